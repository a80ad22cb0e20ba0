import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect, test} from 'vitest';
import {startServer} from '../../server/index.js';
import {ChatSession, type SessionState} from '../../source/ui/session.js';
import {startTestServer, usersFile} from './helpers/server.js';

test('a lost connection is retried with doubling delays up to the cap; close() stops the retries', async () => {
	const server = await startTestServer();
	const session = await ChatSession.open({...server.address, user: 'carol', password: 'singer', backoff: {initialMs: 20, maxMs: 80}, pingIntervalMs: 60_000});
	const states: SessionState[] = [];
	const fiveRetries = new Promise<void>(resolve => {
		session.on('state', state => {
			states.push(state);
			if (states.length === 5) {
				resolve();
			}
		});
	});
	session.start();
	await server.close();
	await fiveRetries;
	expect(states.map(state => (state.state === 'reconnecting' ? `${state.attempt}:${state.retryInMs}` : state.state))).toEqual(['1:20', '2:40', '3:80', '4:80', '5:80']);
	expect(states[0]).toMatchObject({reason: 'the server is shutting down'});
	await session.close();
	const after = states.length;
	await new Promise(resolve => {
		setTimeout(resolve, 200);
	});
	expect(states.length).toBe(after);
	await expect(session.send('/users')).rejects.toThrow('not connected');
});

test('when the account is gone after a restart, the retries end: offline, with the reason', async () => {
	const directory = await mkdtemp(join(tmpdir(), 'natter-session-'));
	const file = join(directory, 'users.txt');
	await copyFile(usersFile, file);
	const server = await startServer({host: '127.0.0.1', port: 0, usersFile: file});
	const {port} = server.address;
	const session = await ChatSession.open({...server.address, user: 'dave', password: 'diver', backoff: {initialMs: 20, maxMs: 20}, pingIntervalMs: 60_000});
	const offline = new Promise<SessionState>(resolve => {
		session.on('state', state => {
			if (state.state === 'offline') {
				resolve(state);
			}
		});
	});
	session.start();
	await server.close();
	const withoutDave = (await readFile(file, 'utf8')).split('\n').filter(line => !line.startsWith('dave:')).join('\n');
	await writeFile(file, withoutDave);
	const restarted = await startServer({host: '127.0.0.1', port, usersFile: file, failureDelay: {baseMs: 1, capMs: 1}});
	try {
		expect(await offline).toMatchObject({state: 'offline', reason: expect.stringContaining('invalid username or password')});
	} finally {
		await restarted.close();
		await rm(directory, {recursive: true, force: true});
	}
});
