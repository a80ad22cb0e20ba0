import net from 'node:net';
import process from 'node:process';
import tls from 'node:tls';
import meow from 'meow';

const help = `
	Usage
	  $ natter health [--host 127.0.0.1] [--port 12345] [--tls] [--timeout SEC]
	  $ natter health --url http://127.0.0.1:9464/health

	Checks that a natter server answers, for container HEALTHCHECKs and service monitors.
	By default it connects to the chat port and waits for the server's greeting (with --tls
	it does a TLS handshake first; the certificate is not checked: this only asks whether
	the server is up, and sends nothing). With --url it asks the metrics endpoint
	(natter serve --metrics) instead and wants HTTP 200.

	Options (host and port also from NATTER_HOST, NATTER_PORT)
	  --host HOST     default 127.0.0.1
	  --port PORT     default 12345
	  --tls           the port speaks TLS (natter serve --tls-cert …)
	  --url URL       check this HTTP URL instead of the chat port
	  --timeout SEC   give up after this long (default 5)

	Exit codes: 0 the server answered, 1 it did not, 2 usage error.
`;

function fail(message: string): number {
	process.stderr.write(`natter health: ${message}\n`);
	return 1;
}

/** Resolves with the server's first line, or rejects. */
async function greeting(options: {host: string; port: number; tls: boolean; timeoutMs: number}): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = options.tls
			? tls.connect({host: options.host, port: options.port, rejectUnauthorized: false, servername: net.isIP(options.host) ? undefined : options.host})
			: net.connect({host: options.host, port: options.port});
		let text = '';
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`no greeting within ${options.timeoutMs / 1000} s`));
		}, options.timeoutMs);
		socket.setEncoding('utf8');
		socket.on('data', (chunk: string) => {
			text += chunk;
			const end = text.indexOf('\n');
			if (end !== -1) {
				clearTimeout(timer);
				socket.destroy();
				resolve(text.slice(0, end));
			}
		});
		socket.on('error', error => {
			clearTimeout(timer);
			reject(error);
		});
		socket.on('close', () => {
			clearTimeout(timer);
			reject(new Error('the server closed the connection without a greeting'));
		});
	});
}

export async function run(argv: string[]): Promise<number> {
	const cli = meow(help, {
		importMeta: import.meta,
		argv,
		autoHelp: false,
		autoVersion: false,
		description: false,
		allowUnknownFlags: false,
		flags: {
			host: {type: 'string'},
			port: {type: 'string'},
			tls: {type: 'boolean', default: false},
			url: {type: 'string'},
			timeout: {type: 'string', default: '5'},
			help: {type: 'boolean', shortFlag: 'h', default: false},
		},
	});
	if (cli.flags.help) {
		process.stdout.write(`${cli.help}\n`);
		return 0;
	}

	const timeout = Number(cli.flags.timeout);
	const portText = cli.flags.port ?? process.env['NATTER_PORT'] ?? '12345';
	const port = Number(portText);
	if (cli.input.length > 0 || !(timeout > 0) || !Number.isInteger(port) || port < 1 || port > 65_535) {
		process.stderr.write(`natter health: ${cli.input.length > 0 ? `unexpected argument ${JSON.stringify(cli.input[0])}` : (timeout > 0 ? `--port must be 1 to 65535, not ${JSON.stringify(portText)}` : '--timeout must be a positive number of seconds')} (see natter health --help)\n`);
		return 2;
	}

	const timeoutMs = timeout * 1000;
	if (cli.flags.url !== undefined) {
		try {
			const response = await fetch(cli.flags.url, {signal: AbortSignal.timeout(timeoutMs)});
			if (response.status !== 200) {
				// The body says why (e.g. `unavailable: Redis unreachable …` from a node with --redis).
				const why = (await response.text()).split('\n')[0]!.slice(0, 300);
				return fail(`${cli.flags.url} answered HTTP ${response.status}${why ? `: ${why}` : ''}`);
			}

			process.stdout.write(`ok: ${cli.flags.url} answered 200\n`);
			return 0;
		} catch (error) {
			return fail(`${cli.flags.url}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	const host = cli.flags.host ?? process.env['NATTER_HOST'] ?? '127.0.0.1';
	try {
		const line = await greeting({host, port, tls: cli.flags.tls, timeoutMs});
		if (!line.startsWith('natter ')) {
			return fail(`${host}:${port} answered, but not as natter: ${JSON.stringify(line.slice(0, 80))}`);
		}

		process.stdout.write(`ok: ${line}\n`);
		return 0;
	} catch (error) {
		return fail(`${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
	}
}
