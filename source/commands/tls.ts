import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import meow from 'meow';
import {generateSelfSigned, loopbackHosts} from '../tls/selfsigned.js';

const help = `
	Usage
	  $ natter tls selfsigned --out DIR [--host NAME]… [--days N] [--force]

	Writes a new private key and a self-signed certificate for it, to try natter over TLS:
	  DIR/cert.pem   the certificate (give it to natter serve --tls-cert, and to clients as --ca)
	  DIR/key.pem    the private key, readable by its owner only (natter serve --tls-key)
	and prints the certificate's SHA-256 fingerprint, the one clients see on first contact
	(natter connect --tls asks; natter pipe takes --tls-fingerprint).

	Options
	  --out DIR     where to write (made if missing)
	  --host NAME   a host name or address clients use to reach the server; repeatable.
	                ${loopbackHosts.join(', ')} are always in.
	  --days N      how long it stays valid (default 365)
	  --force       overwrite cert.pem and key.pem if they exist

	A self-signed certificate proves nothing by itself: a client trusts it because its user compared
	the fingerprint with yours. For a public server use a certificate from a CA (Let's Encrypt…);
	natter serve reloads it on SIGHUP.

	Exit codes: 0 written, 1 cannot write, 2 usage error.
`;

function usage(message: string): number {
	process.stderr.write(`natter tls: ${message} (see natter tls --help)\n`);
	return 2;
}

export async function run(argv: string[]): Promise<number> {
	const cli = meow(help, {
		importMeta: import.meta,
		argv,
		allowUnknownFlags: false,
		flags: {
			out: {type: 'string'},
			host: {type: 'string', isMultiple: true},
			days: {type: 'string'},
			force: {type: 'boolean', default: false},
		},
	});

	const [action, ...rest] = cli.input;
	if (action !== 'selfsigned') {
		return usage(action === undefined ? 'give an action: natter tls selfsigned --out DIR' : `unknown action ${JSON.stringify(action)}; the one action is selfsigned`);
	}

	if (rest.length > 0) {
		return usage(`unexpected argument ${JSON.stringify(rest[0])}`);
	}

	const out = cli.flags.out;
	if (out === undefined || out.trim() === '') {
		return usage('give --out DIR, the directory for cert.pem and key.pem');
	}

	const daysText = cli.flags.days ?? '365';
	const days = Number(daysText);
	if (!/^\d+$/.test(daysText) || days < 1 || days > 3650) {
		return usage(`--days must be a whole number from 1 to 3650, not ${JSON.stringify(daysText)}`);
	}

	const hosts = cli.flags.host ?? [];
	if (hosts.some(host => host.trim() === '' || /[\s,]/.test(host))) {
		return usage('--host takes one name or address (repeat --host for more)');
	}

	const pair = generateSelfSigned({hosts, days});
	const certFile = path.join(out, 'cert.pem');
	const keyFile = path.join(out, 'key.pem');
	const flag = cli.flags.force ? 'w' : 'wx';
	try {
		await mkdir(out, {recursive: true});
		await writeFile(keyFile, pair.key, {mode: 0o600, flag});
		await writeFile(certFile, pair.cert, {mode: 0o644, flag});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why = code === 'EEXIST' ? `${(error as NodeJS.ErrnoException).path ?? 'a file'} already exists (--force replaces it)` : (error as Error).message;
		process.stderr.write(`natter tls: cannot write the pair: ${why}\n`);
		return 1;
	}

	process.stdout.write([
		`wrote ${certFile} and ${keyFile}`,
		`for ${pair.hosts.join(', ')}; valid until ${pair.notAfter.toISOString().slice(0, 10)}`,
		`fingerprint ${pair.fingerprint}`,
		'',
		'try it:',
		`  natter serve --host 0.0.0.0 --tls-cert ${certFile} --tls-key ${keyFile}`,
		`  natter connect --tls --host <this machine>     (compare the fingerprint it shows with the one above)`,
		'',
	].join('\n'));
	return 0;
}
