import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {act} from 'react';
import {afterEach, beforeAll, describe, expect, test} from 'vitest';
import {cleanup} from 'ink-testing-library';
import App from '../../source/ui/app.js';
import type {TlsSetup} from '../../source/client/trust.js';
import {generateSelfSigned, type SelfSigned} from '../../source/tls/selfsigned.js';
import {startTestServer, testUsers, type TestServer} from '../helpers/test-server.js';
import {renderScreen} from './helpers/ink.js';

let dir: string;
let pair: SelfSigned;
let other: SelfSigned;
const toClose: TestServer[] = [];

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'natter-tui-tls-'));
	pair = generateSelfSigned();
	other = generateSelfSigned();
	await writeFile(path.join(dir, 'cert.pem'), pair.cert);
	await writeFile(path.join(dir, 'key.pem'), pair.key);
	return async () => rm(dir, {recursive: true, force: true});
});

afterEach(async () => {
	act(() => {
		cleanup();
	});
	for (const server of toClose.splice(0)) {
		await server.close();
	}
});

async function tlsServer(): Promise<TestServer> {
	const server = await startTestServer({tls: {certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem')}, data: ':memory:'});
	toClose.push(server);
	return server;
}

/** The fingerprint as the prompt shows it: two lines of 16 bytes. */
const halves = (fingerprint: string): [string, string] => [fingerprint.slice(0, 7 + 48), fingerprint.slice(7 + 48)];

describe('first contact with a self-signed TLS server', () => {
	test('shows the fingerprint and asks; yes remembers it in known_servers and goes on to log in', async () => {
		const server = await tlsServer();
		const knownServersFile = path.join(dir, 'accept', 'natter', 'known_servers');
		const setup: TlsSetup = {knownServersFile};
		const screen = renderScreen(<App host={server.host} port={server.port} tls={setup}/>);
		const prompt = await screen.waitFor(frame => frame.includes('Trust it? (yes/no)'), 'the trust prompt');
		const [head, tail] = halves(pair.fingerprint);
		expect(prompt).toContain(`The authenticity of ${server.host}:${server.port} can't be established`);
		expect(prompt).toContain(head);
		expect(prompt).toContain(tail);
		expect(prompt).not.toContain('Password:');

		await screen.submit('maybe');
		await screen.waitFor(frame => frame.includes('Please type "yes" or "no".'), 'the hint');
		await screen.submit('yes');
		await screen.waitFor(frame => frame.includes(`Log in to ${server.host}:${server.port} (TLS)`), 'the login screen');
		expect(await readFile(knownServersFile, 'utf8')).toBe(`${server.host}:${server.port} ${pair.fingerprint}\n`);

		await screen.submit('alice');
		await screen.submit(testUsers.alice);
		await screen.waitFor(frame => frame.includes('● online'), 'the chat screen');

		// The next start finds it known and goes straight to the login screen.
		screen.unmount();
		const again = renderScreen(<App host={server.host} port={server.port} tls={setup}/>);
		await again.waitFor(frame => frame.includes(`Log in to ${server.host}:${server.port} (TLS)`), 'the login screen without a prompt');
	});

	test('a known server whose certificate changed is refused loudly, with no login screen', async () => {
		const server = await tlsServer();
		const knownServersFile = path.join(dir, 'changed', 'natter', 'known_servers');
		await mkdir(path.dirname(knownServersFile), {recursive: true});
		await writeFile(knownServersFile, `${server.host}:${server.port} ${other.fingerprint}\n`);
		const screen = renderScreen(<App host={server.host} port={server.port} tls={{knownServersFile}}/>);
		const frame = await screen.waitFor(current => current.includes('HAS CHANGED'), 'the warning');
		expect(frame).toContain(`WARNING: THE CERTIFICATE OF ${server.host}:${server.port} HAS CHANGED`);
		expect(frame.split('HAS CHANGED').length).toBe(2);
		expect(frame).toContain('Refusing to connect.');
		expect(frame).not.toContain('Password:');
		// Nothing was added or changed.
		expect(await readFile(knownServersFile, 'utf8')).toBe(`${server.host}:${server.port} ${other.fingerprint}\n`);
	});
});
