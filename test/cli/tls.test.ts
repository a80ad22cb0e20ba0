import {execFileSync} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ChatConnection} from '../../source/client/connection.js';
import {certificateFingerprint, formatFingerprint, normalizeFingerprint} from '../../source/tls/fingerprint.js';
import {generateSelfSigned, type SelfSigned} from '../../source/tls/selfsigned.js';
import {PipeProcess} from '../helpers/pipe-process.js';
import {spawnServe, type ServeProcess, killServes} from '../helpers/serve-process.js';
import {testUsers, usersFileText} from '../helpers/test-server.js';

const cli = path.resolve('dist/cli.js');
let dir: string;
let usersFile: string;
let first: SelfSigned;
let second: SelfSigned;
const running: ServeProcess[] = [];
const pipes: PipeProcess[] = [];
const connections: ChatConnection[] = [];

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'natter-tls-cli-'));
	usersFile = path.join(dir, 'users.txt');
	await writeFile(usersFile, usersFileText(testUsers));
	first = generateSelfSigned();
	second = generateSelfSigned();
	return async () => rm(dir, {recursive: true, force: true});
});

afterEach(async () => {
	for (const connection of connections.splice(0)) {
		connection.destroy();
	}

	for (const pipe of pipes.splice(0)) {
		pipe.kill();
	}

	await killServes(running);
});

function runCli(args: readonly string[], env: Record<string, string> = {}): {code: number; stdout: string; stderr: string} {
	try {
		const stdout = execFileSync(process.execPath, [cli, ...args], {env: {...process.env, ...env}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
		return {code: 0, stdout, stderr: ''};
	} catch (error) {
		const failed = error as {status: number; stdout: string; stderr: string};
		return {code: failed.status, stdout: failed.stdout, stderr: failed.stderr};
	}
}

async function writePair(pair: SelfSigned, where: string): Promise<{certFile: string; keyFile: string}> {
	await mkdir(where, {recursive: true});
	const certFile = path.join(where, 'cert.pem');
	const keyFile = path.join(where, 'key.pem');
	await writeFile(certFile, pair.cert);
	await writeFile(keyFile, pair.key);
	return {certFile, keyFile};
}

async function serveTls(name: string, pair: SelfSigned = first): Promise<{serve: ServeProcess; port: number; certFile: string; keyFile: string}> {
	const files = await writePair(pair, path.join(dir, name));
	const serve = spawnServe(['--port', '0', '--users', usersFile, '--data', ':memory:', '--tls-cert', files.certFile, '--tls-key', files.keyFile]);
	running.push(serve);
	const {port} = await serve.listening;
	return {serve, port, ...files};
}

async function login(port: number, pair: SelfSigned, user: keyof typeof testUsers): Promise<ChatConnection> {
	const connection = await ChatConnection.open({host: '127.0.0.1', port, user, password: testUsers[user], timeoutMs: 5000, tls: {fingerprint: normalizeFingerprint(pair.fingerprint)!}});
	connections.push(connection);
	return connection;
}

function pipe(args: readonly string[], env: Record<string, string> = {}): PipeProcess {
	const child = PipeProcess.start(args, env);
	pipes.push(child);
	return child;
}

describe('natter serve and plaintext off loopback', () => {
	it.each([
		[['--host', '0.0.0.0'], {}],
		[['--host', '::'], {}],
		[[], {NATTER_HOST: '0.0.0.0'}],
		[['--host', '0.0.0.0'], {NATTER_ALLOW_PLAINTEXT: '0'}],
	] as Array<[string[], Record<string, string>]>)('refuses %j %j without TLS: exit 2 naming --allow-plaintext, never listening', (args, env) => {
		const {code, stdout, stderr} = runCli(['serve', '--port', '0', '--users', usersFile, '--data', ':memory:', ...args], env);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toContain('without TLS');
		expect(stderr).toContain('--allow-plaintext');
		expect(stderr).toContain('--tls-cert');
	});

	it.each([
		[['--tls-cert', 'cert.pem'], '--tls-cert needs --tls-key FILE'],
		[['--tls-key', 'key.pem'], '--tls-key needs --tls-cert FILE'],
	])('%j is a usage error', (args, message) => {
		const {code, stderr} = runCli(['serve', '--port', '0', '--users', usersFile, ...args]);
		expect(code).toBe(2);
		expect(stderr).toContain(message);
	});

	it('a missing certificate is a failure (exit 1) that names the file', () => {
		const {code, stderr} = runCli(['serve', '--port', '0', '--users', usersFile, '--data', ':memory:', '--tls-cert', path.join(dir, 'nope.pem'), '--tls-key', path.join(dir, 'nope-key.pem')]);
		expect(code).toBe(1);
		expect(stderr).toContain('cannot read the TLS certificate');
		expect(stderr).toContain('nope.pem');
	});

	it('--help documents the TLS flags with their environment variables', () => {
		const {code, stdout} = runCli(['serve', '--help']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/--tls-cert FILE .*NATTER_TLS_CERT/);
		expect(stdout).toMatch(/--tls-key FILE .*NATTER_TLS_KEY/);
		expect(stdout).toMatch(/--allow-plaintext .*NATTER_ALLOW_PLAINTEXT/);
	});
});

describe('natter serve with TLS', () => {
	it('SIGHUP loads a new certificate: the connected client stays, a new one sees the new certificate; a bad pair is logged and the old kept', async () => {
		const {serve, port, certFile, keyFile} = await serveTls('reload');
		await serve.waitForStderr(line => line.includes(` info tls fingerprint=${first.fingerprint}`));
		const alice = await login(port, first, 'alice');

		await writeFile(certFile, second.cert);
		await writeFile(keyFile, second.key);
		serve.child.kill('SIGHUP');
		await serve.waitForStderr(line => line.includes(` info tls_reload fingerprint=${second.fingerprint}`));

		const bob = await login(port, second, 'bob');
		expect((await bob.request('/msg alice the certificate changed under you')).type).toBe('ok');
		expect(alice.closed).toBe(false);
		expect((await alice.request('/users')).type).toBe('ok');
		await expect(login(port, first, 'carol')).rejects.toThrow(/does not match --tls-fingerprint/);

		// Half a pair: the key no longer fits. One error line, and the old pair stays in use.
		await writeFile(keyFile, first.key);
		serve.child.kill('SIGHUP');
		const failed = await serve.waitForStderr(line => line.includes('tls_reload_failed'));
		expect(failed).toMatch(/ error tls_reload_failed message=/);
		const carol = await login(port, second, 'carol');
		expect((await carol.request('/users')).type).toBe('ok');
		expect(alice.closed).toBe(false);

		serve.child.kill('SIGTERM');
		expect(await serve.exited).toBe(0);
	});
});

describe('natter pipe --tls', () => {
	it('works end to end with --tls-fingerprint', async () => {
		const {port} = await serveTls('pipe-pin');
		const child = pipe(['--user', 'alice', '--port', String(port), '--tls-fingerprint', first.fingerprint.replaceAll(':', '').replace('sha256', 'sha256:')], {NATTER_PASSWORD: testUsers.alice, XDG_CONFIG_HOME: path.join(dir, 'config-pin')});
		child.send('/users');
		child.end();
		expect(await child.exit).toEqual({code: 0, signal: null});
		expect(child.replies()[0]).toMatchObject({type: 'ok', id: 1});
		expect(child.stderr).toBe('');
	});

	it('never asks: an unknown self-signed server is refused (exit 1) with its fingerprint and the ways to trust it', async () => {
		const {port} = await serveTls('pipe-unknown');
		const child = pipe(['--user', 'alice', '--port', String(port), '--tls'], {NATTER_PASSWORD: testUsers.alice, XDG_CONFIG_HOME: path.join(dir, 'config-empty')});
		child.end();
		expect((await child.exit).code).toBe(1);
		expect(child.stderr).toContain('is not trusted');
		expect(child.stderr).toContain(first.fingerprint);
		expect(child.stderr).toContain('--tls-fingerprint');
		expect(child.stderr).toContain('--ca');
		expect(child.events).toEqual([]);
	});

	it('uses a known_servers entry, and refuses loudly when the certificate changed', async () => {
		const {port} = await serveTls('pipe-known');
		const config = path.join(dir, 'config-known');
		await mkdir(path.join(config, 'natter'), {recursive: true});
		const knownFile = path.join(config, 'natter', 'known_servers');
		await writeFile(knownFile, `127.0.0.1:${port} ${first.fingerprint}\n`);
		const ok = pipe(['--user', 'alice', '--port', String(port), '--tls'], {NATTER_PASSWORD: testUsers.alice, XDG_CONFIG_HOME: config});
		ok.send('/users');
		ok.end();
		expect((await ok.exit).code).toBe(0);

		await writeFile(knownFile, `127.0.0.1:${port} ${second.fingerprint}\n`);
		const changed = pipe(['--user', 'alice', '--port', String(port), '--tls'], {NATTER_PASSWORD: testUsers.alice, XDG_CONFIG_HOME: config});
		changed.end();
		expect((await changed.exit).code).toBe(1);
		expect(changed.stderr).toContain(`WARNING: THE CERTIFICATE OF 127.0.0.1:${port} HAS CHANGED`);
		expect(changed.stderr).toContain(knownFile);
	});

	it('--ca with the wrong CA is refused; a malformed --tls-fingerprint is a usage error', async () => {
		const {port} = await serveTls('pipe-ca');
		const wrongCa = path.join(dir, 'wrong-ca.pem');
		await writeFile(wrongCa, second.cert);
		const wrong = pipe(['--user', 'alice', '--port', String(port), '--ca', wrongCa], {NATTER_PASSWORD: testUsers.alice});
		wrong.end();
		expect((await wrong.exit).code).toBe(1);
		expect(wrong.stderr).toContain('is not trusted');

		const bad = pipe(['--user', 'alice', '--port', String(port), '--tls-fingerprint', 'sha256:beef'], {NATTER_PASSWORD: testUsers.alice});
		bad.end();
		expect((await bad.exit).code).toBe(2);
		expect(bad.stderr).toContain('invalid --tls-fingerprint');
	});
});

describe('natter tls selfsigned', () => {
	it('writes cert.pem and a private key.pem, prints the fingerprint, and never overwrites without --force', async () => {
		const out = path.join(dir, 'made');
		const {code, stdout} = runCli(['tls', 'selfsigned', '--out', out, '--host', 'chat.example']);
		expect(code).toBe(0);
		const cert = await readFile(path.join(out, 'cert.pem'), 'utf8');
		const fingerprint = formatFingerprint(certificateFingerprint(cert));
		expect(stdout).toContain(`fingerprint ${fingerprint}`);
		expect(stdout).toContain('chat.example, localhost, 127.0.0.1, ::1');
		expect((await stat(path.join(out, 'key.pem'))).mode & 0o777).toBe(0o600);

		const again = runCli(['tls', 'selfsigned', '--out', out]);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain('--force');
		const forced = runCli(['tls', 'selfsigned', '--out', out, '--force']);
		expect(forced.code).toBe(0);
		expect(runCli(['tls']).code).toBe(2);
		expect(runCli(['tls', 'selfsigned']).code).toBe(2);

		// The pair it made serves: a client pinning the printed fingerprint logs in.
		const serve = spawnServe(['--port', '0', '--users', usersFile, '--data', ':memory:', '--tls-cert', path.join(out, 'cert.pem'), '--tls-key', path.join(out, 'key.pem')]);
		running.push(serve);
		const {port} = await serve.listening;
		const printed = /^fingerprint (sha256:\S+)$/m.exec(forced.stdout)?.[1];
		expect(printed).toMatch(/^sha256:/);
		const connection = await ChatConnection.open({host: '127.0.0.1', port, user: 'alice', password: testUsers.alice, tls: {fingerprint: normalizeFingerprint(printed!)!}});
		connections.push(connection);
		expect(connection.user).toBe('alice');
	});
});
