import {Buffer} from 'node:buffer';
import {X509Certificate} from 'node:crypto';
import {once} from 'node:events';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {PlaintextRefusedError, startServer, TlsConfigError} from '../../server/index.js';
import {checkPlaintextAllowed, isLoopbackHost} from '../../server/net/listener.js';
import {ChatConnection, ConnectError} from '../../source/client/connection.js';
import {KnownServers, knownServersPath} from '../../source/client/known-servers.js';
import {TlsFingerprintMismatchError, TlsUntrustedError, type ClientTls} from '../../source/client/tls.js';
import {firstContact, resolveTlsSetup, trustWithoutAsking} from '../../source/client/trust.js';
import {formatFingerprint, normalizeFingerprint} from '../../source/tls/fingerprint.js';
import {generateSelfSigned, serialNumberHex, type SelfSigned} from '../../source/tls/selfsigned.js';
import {RecordingLogger} from '../helpers/recording-logger.js';
import {startTestServer, testUsers, type TestServer} from '../helpers/test-server.js';

let dir: string;
let first: SelfSigned;
let second: SelfSigned;
const toClose: Array<{close(): Promise<void>}> = [];

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'natter-tls-'));
	first = generateSelfSigned();
	second = generateSelfSigned({hosts: ['chat.example']});
	return async () => rm(dir, {recursive: true, force: true});
});

afterEach(async () => {
	for (const item of toClose.splice(0).reverse()) {
		await item.close().catch(() => undefined);
	}
});

/** Writes `pair` as cert.pem/key.pem in a fresh directory; returns the paths. */
async function pairFiles(pair: SelfSigned, name: string): Promise<{certFile: string; keyFile: string}> {
	const certFile = path.join(dir, `${name}-cert.pem`);
	const keyFile = path.join(dir, `${name}-key.pem`);
	await writeFile(certFile, pair.cert);
	await writeFile(keyFile, pair.key);
	return {certFile, keyFile};
}

let serverCount = 0;
async function tlsServer(pair: SelfSigned = first, logger?: RecordingLogger): Promise<{server: TestServer; files: {certFile: string; keyFile: string}}> {
	const files = await pairFiles(pair, `server${++serverCount}`);
	const server = await startTestServer({tls: files, data: ':memory:', ...(logger ? {logger} : {})});
	toClose.push(server);
	return {server, files};
}

const pin = (pair: SelfSigned): ClientTls => ({fingerprint: normalizeFingerprint(pair.fingerprint)!, pinnedBy: {kind: 'flag'}});

async function login(server: TestServer, trust: ClientTls | undefined, user: keyof typeof testUsers = 'alice'): Promise<ChatConnection> {
	const connection = await ChatConnection.open({host: server.host, port: server.port, user, password: testUsers[user], timeoutMs: 5000, ...(trust ? {tls: trust} : {})});
	toClose.push({close: async () => connection.close()});
	return connection;
}

async function refusal(promise: Promise<unknown>): Promise<ConnectError> {
	const error = await promise.then(() => undefined, (error: unknown) => error);
	expect(error).toBeInstanceOf(ConnectError);
	return error as ConnectError;
}

describe('fingerprints', () => {
	it('reads the usual spellings and shows sha256:AB:CD:…', () => {
		const hex = 'ab'.repeat(32);
		for (const text of [`sha256:${hex}`, `SHA256:${hex.toUpperCase()}`, `sha256:${'AB:'.repeat(31)}AB`, `${'ab:'.repeat(31)}ab`, hex]) {
			expect(normalizeFingerprint(text)).toBe(hex);
		}

		expect(normalizeFingerprint('sha256:abcd')).toBeUndefined();
		expect(normalizeFingerprint(`sha1:${hex}`)).toBeUndefined();
		expect(formatFingerprint(hex)).toBe(`sha256:${'AB:'.repeat(31)}AB`);
	});
});

describe('self-signed certificates', () => {
	it('get serial numbers that are positive and minimally encoded, whatever the random bytes', () => {
		// A first byte of 0 made a padded INTEGER OpenSSL refuses ("illegal padding"); 0x80 and up a negative one.
		for (const first of [0x00, 0x01, 0x7F, 0x80, 0xFF]) {
			const random = Buffer.alloc(16, 0xAB);
			random[0] = first;
			const serial = serialNumberHex(random);
			expect(serial).toHaveLength(32);
			const top = Number.parseInt(serial.slice(0, 2), 16);
			expect(top).toBeGreaterThanOrEqual(1);
			expect(top).toBeLessThanOrEqual(0x7F);
			expect(serial.slice(2)).toBe('ab'.repeat(15));
		}

		expect(new X509Certificate(first.cert).serialNumber).toMatch(/^[0-9A-F]{31,32}$/);
	});
});

describe('a TLS server', () => {
	it('serves JSON mode over TLS to a client pinning its fingerprint, and logs the fingerprint at start', async () => {
		const logger = new RecordingLogger();
		const {server} = await tlsServer(first, logger);
		expect((await logger.waitFor(entry => entry.event === 'tls')).fields).toMatchObject({fingerprint: first.fingerprint, min_version: 'TLSv1.2'});
		const alice = await login(server, pin(first));
		const reply = await alice.request('/users');
		expect(reply.type).toBe('ok');
	});

	it('serves text mode on the same port (openssl s_client would see the same prompt)', async () => {
		const {server} = await tlsServer();
		const socket = tls.connect({host: server.host, port: server.port, rejectUnauthorized: false});
		toClose.push({close: async () => {
			socket.destroy();
		}});
		socket.setEncoding('utf8');
		let seen = '';
		await new Promise<void>(resolve => {
			socket.on('data', (chunk: string) => {
				seen += chunk;
				if (seen.includes('Username:')) {
					resolve();
				}
			});
			socket.write('\n');
		});
		expect(socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
	});

	it('a text-mode client that sends its lines and shuts its side still gets every reply', async () => {
		const {server} = await tlsServer();
		const socket = tls.connect({host: server.host, port: server.port, rejectUnauthorized: false});
		toClose.push({close: async () => {
			socket.destroy();
		}});
		socket.setEncoding('utf8');
		let seen = '';
		socket.on('data', (chunk: string) => {
			seen += chunk;
		});
		await once(socket, 'secureConnect');
		socket.end('alice\nwonderland\n/users\n');
		await once(socket, 'close');
		expect(seen).toContain('ok: 1 user online: alice');
	});

	it('shuts down at once with a client stuck in its handshake', async () => {
		const files = await pairFiles(first, 'stuck');
		const server = await startTestServer({tls: files, data: ':memory:'});
		const socket = net.connect({host: server.host, port: server.port});
		await once(socket, 'connect');
		const closed = once(socket, 'close');
		// The handshake timeout is 30 s; close() must not wait for it (the test would time out).
		await server.close();
		await closed;
	});

	it('closes a connection whose handshake does not finish within the login timeout, and gives its place back', async () => {
		const files = await pairFiles(first, `silent${++serverCount}`);
		const logger = new RecordingLogger();
		const server = await startTestServer({tls: files, data: ':memory:', logger, loginTimeoutMs: 300, limits: {maxConnectionsPerAddress: 1, exemptAddresses: []}});
		toClose.push(server);
		const silent = net.connect({host: server.host, port: server.port});
		silent.on('error', () => {});
		await once(silent, 'connect');
		await once(silent, 'close');
		expect(await logger.waitFor(entry => entry.event === 'tls_failed')).toMatchObject({fields: expect.objectContaining({message: 'ERR_TLS_HANDSHAKE_TIMEOUT'}) as unknown});
		// Its place (one per address here) is free again.
		const alice = await login(server, pin(first));
		expect(alice.user).toBe('alice');
	});

	it('trusts a certificate vouched for by --ca, and refuses one from another CA before sending anything', async () => {
		const logger = new RecordingLogger();
		const {server} = await tlsServer(first, logger);
		const alice = await login(server, {ca: first.cert});
		expect((await alice.request('/users')).type).toBe('ok');

		const error = await refusal(login(server, {ca: second.cert}, 'bob'));
		expect(error).toBeInstanceOf(TlsUntrustedError);
		expect(error.code).toBe('tls_untrusted');
		expect(error.message).toContain(`the certificate of ${server.host}:${server.port} is not trusted`);
		// Nothing was sent: the server never saw a login from bob.
		expect(logger.entries.some(entry => entry.event.startsWith('login') && entry.fields['user'] === 'bob')).toBe(false);
	});

	it('refuses a self-signed certificate without a pin or a CA, naming its fingerprint and how to pin it', async () => {
		const {server} = await tlsServer();
		const error = await refusal(login(server, {}));
		expect(error).toBeInstanceOf(TlsUntrustedError);
		expect(error.message).toContain(first.fingerprint);
		expect(error.message).toContain('--tls-fingerprint');
	});

	it('refuses a certificate that is not the pinned one, saying both fingerprints', async () => {
		const {server} = await tlsServer(first);
		const error = await refusal(login(server, pin(second)));
		expect(error).toBeInstanceOf(TlsFingerprintMismatchError);
		expect(error.code).toBe('tls_fingerprint_mismatch');
		expect(error.message).toBe(`the certificate of ${server.host}:${server.port} does not match --tls-fingerprint: expected ${second.fingerprint}, the server presented ${first.fingerprint}. Refusing to connect.`);
	});

	it('refuses, loudly, a known server whose certificate changed', async () => {
		const {server} = await tlsServer(first);
		const file = path.join(dir, 'changed', 'known_servers');
		const known = await KnownServers.load(file);
		await known.remember(server.host, server.port, normalizeFingerprint(second.fingerprint)!);
		const trust = await trustWithoutAsking({knownServersFile: file}, server.host, server.port);
		const error = await refusal(login(server, trust));
		expect(error.message).toContain(`WARNING: THE CERTIFICATE OF ${server.host}:${server.port} HAS CHANGED`);
		expect(error.message).toContain(`It was ${second.fingerprint}, it is now ${first.fingerprint}`);
		expect(error.message).toContain(file);

		const contact = await firstContact({knownServersFile: file}, server.host, server.port);
		expect(contact.kind).toBe('changed');
	});

	it('refuses TLS below 1.2', async () => {
		const {server} = await tlsServer();
		const socket = tls.connect({host: server.host, port: server.port, rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1'});
		const [error] = await once(socket, 'error') as [Error];
		expect(error.message).toMatch(/version|protocol|alert/i);
		socket.destroy();
	});

	it('a plaintext client gets no prompt and the failed handshake is logged', async () => {
		const logger = new RecordingLogger();
		const {server} = await tlsServer(first, logger);
		const socket = net.connect({host: server.host, port: server.port});
		socket.setEncoding('utf8');
		let seen = '';
		socket.on('data', (chunk: string) => {
			seen += chunk;
		});
		socket.write('alice\nwonderland\n');
		await once(socket, 'close');
		expect(seen).not.toContain('Username:');
		await logger.waitFor(entry => entry.event === 'tls_failed');
	});

	it('reloadTls: open connections stay, new ones get the new certificate; a bad pair keeps the old one', async () => {
		const logger = new RecordingLogger();
		const {server, files} = await tlsServer(first, logger);
		const alice = await login(server, pin(first));
		await writeFile(files.certFile, second.cert);
		await writeFile(files.keyFile, second.key);
		expect(await server.server.reloadTls()).toBe(second.fingerprint);
		expect((await logger.waitFor(entry => entry.event === 'tls_reload')).fields['fingerprint']).toBe(second.fingerprint);

		const bob = await login(server, pin(second), 'bob');
		expect((await bob.request('/msg alice still here?')).type).toBe('ok');
		expect(alice.closed).toBe(false);
		expect((await alice.request('/users')).type).toBe('ok');
		await refusal(login(server, pin(first), 'carol'));

		// A key that is not the certificate's: refused, logged, the old pair kept.
		await writeFile(files.keyFile, first.key);
		await expect(server.server.reloadTls()).rejects.toThrow(TlsConfigError);
		expect((await logger.waitFor(entry => entry.event === 'tls_reload_failed')).level).toBe('error');
		const carol = await login(server, pin(second), 'carol');
		expect((await carol.request('/users')).type).toBe('ok');
	});

	it('will not start with a key that does not fit the certificate', async () => {
		const certFile = path.join(dir, 'mismatch-cert.pem');
		const keyFile = path.join(dir, 'mismatch-key.pem');
		await writeFile(certFile, first.cert);
		await writeFile(keyFile, second.key);
		await expect(startTestServer({tls: {certFile, keyFile}, data: ':memory:'})).rejects.toThrow(/does not fit the certificate/);
		await expect(startTestServer({tls: {certFile, keyFile: path.join(dir, 'missing.pem')}, data: ':memory:'})).rejects.toThrow(TlsConfigError);
	});
});

describe('per-address caps with TLS', () => {
	it('refuses a connection past the cap before its handshake, and gives the place back when a handshake is abandoned', async () => {
		const files = await pairFiles(first, `capped${++serverCount}`);
		const logger = new RecordingLogger();
		const server = await startTestServer({tls: files, data: ':memory:', logger, limits: {maxConnectionsPerAddress: 2, exemptAddresses: []}});
		toClose.push(server);
		// Two raw TCP connections that never start their handshake hold both places.
		const idle = await Promise.all([0, 1].map(async () => {
			const socket = net.connect({host: server.host, port: server.port});
			await once(socket, 'connect');
			return socket;
		}));
		const refused = net.connect({host: server.host, port: server.port});
		refused.on('error', () => {});
		// Closed at once, before any handshake: no bytes, just the close.
		await once(refused, 'close');
		expect(await logger.waitFor(entry => entry.event === 'connection_refused')).toBeDefined();
		// An abandoned handshake frees its place: a real client gets in.
		idle[0]!.destroy();
		await once(idle[0]!, 'close');
		const alice = await login(server, pin(first));
		expect(alice).toBeDefined();
		idle[1]!.destroy();
	});
});

describe('the loopback rule', () => {
	it('knows loopback from the rest', async () => {
		for (const host of ['127.0.0.1', '127.3.4.5', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
			expect(await isLoopbackHost(host), host).toBe(true);
		}

		for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '2001:db8::1']) {
			expect(await isLoopbackHost(host), host).toBe(false);
		}
	});

	it('refuses plaintext on 0.0.0.0 before listening, unless allowed or TLS is on', async () => {
		await expect(checkPlaintextAllowed('0.0.0.0', {tls: false, allowPlaintext: false})).rejects.toThrow(PlaintextRefusedError);
		await expect(checkPlaintextAllowed('0.0.0.0', {tls: false, allowPlaintext: true})).resolves.toBeUndefined();
		await expect(checkPlaintextAllowed('0.0.0.0', {tls: true, allowPlaintext: false})).resolves.toBeUndefined();
		await expect(checkPlaintextAllowed('127.0.0.1', {tls: false, allowPlaintext: false})).resolves.toBeUndefined();
		// startServer checks first: the refusal comes before any socket is bound.
		const error = await startServer({host: '0.0.0.0', port: 0, usersFile: path.join(dir, 'no-such-users.txt')}).then(() => undefined, (error: unknown) => error);
		expect(error).toBeInstanceOf(PlaintextRefusedError);
		expect((error as Error).message).toContain('--allow-plaintext');
	});
});

describe('client TLS settings', () => {
	it('--ca and --tls-fingerprint imply --tls; bad values are usage errors', async () => {
		const env = {XDG_CONFIG_HOME: dir};
		expect(await resolveTlsSetup({}, env)).toBeUndefined();
		expect(await resolveTlsSetup({tls: true}, env)).toEqual({knownServersFile: path.join(dir, 'natter', 'known_servers')});
		expect(await resolveTlsSetup({tlsFingerprint: first.fingerprint}, env)).toMatchObject({fingerprint: normalizeFingerprint(first.fingerprint)});
		expect(await resolveTlsSetup({tlsFingerprint: 'sha256:12'}, env)).toMatch(/invalid --tls-fingerprint/);
		expect(await resolveTlsSetup({ca: path.join(dir, 'none.pem')}, env)).toMatch(/cannot read the CA file/);
		expect(knownServersPath({HOME: '/home/x'})).toBe('/home/x/.config/natter/known_servers');
	});

	it('known_servers keeps one line per server and survives a file without its last newline', async () => {
		const file = path.join(dir, 'kept', 'known_servers');
		const known = await KnownServers.load(file);
		expect(known.get('127.0.0.1', 1)).toBeUndefined();
		await known.remember('127.0.0.1', 1, normalizeFingerprint(first.fingerprint)!);
		await writeFile(file, `${await readFile(file, 'utf8')}# a comment without newline`);
		await (await KnownServers.load(file)).remember('::1', 2, normalizeFingerprint(second.fingerprint)!);
		const text = await readFile(file, 'utf8');
		expect(text).toBe(`127.0.0.1:1 ${first.fingerprint}\n# a comment without newline\n[::1]:2 ${second.fingerprint}\n`);
		const again = await KnownServers.load(file);
		expect(again.get('127.0.0.1', 1)).toBe(normalizeFingerprint(first.fingerprint));
		expect(again.get('::1', 2)).toBe(normalizeFingerprint(second.fingerprint));
	});
});
