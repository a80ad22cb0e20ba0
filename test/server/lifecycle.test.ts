import {appendFile} from 'node:fs/promises';
import net from 'node:net';
import bcrypt from 'bcryptjs';
import {duplexPair} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {RecordingLogger} from '../helpers/recording-logger.js';
import {startTestServer} from '../helpers/test-server.js';

describe('server lifecycle', () => {
	it('close() says bye shutdown to everyone, cuts a client that never closes its side, then resolves', async () => {
		const logger = new RecordingLogger();
		const test = await startTestServer({closeGraceMs: 200, logger});
		const text = await loginText(test.port, 'alice', 'wonderland');
		const json = await loginJson(test.port, 'bob', 'builder');
		const notLoggedIn = await LineSocket.connect(test.port);
		await notLoggedIn.waitFor('Username:');
		// A peer that keeps its side open after the server's FIN.
		const stubborn = net.connect({port: test.port, host: test.host, allowHalfOpen: true});
		const stubbornReader = new LineSocket(stubborn);
		stubborn.removeAllListeners('end');
		await stubbornReader.waitFor('Username:');
		expect(test.server.connectionCount).toBe(4);

		await test.close();
		expect(await text.waitFor(/^bye:/)).toBe('bye: the server is shutting down');
		expect(await json.waitForEvent(event => event.type === 'bye')).toMatchObject({reason: 'shutdown'});
		expect(await notLoggedIn.waitFor(/^bye:/)).toBe('bye: the server is shutting down');
		expect(await stubbornReader.waitFor(/^bye:/)).toBe('bye: the server is shutting down');
		// close() resolved, so the server cut the stubborn one after closeGraceMs.
		expect(test.server.connectionCount).toBe(0);
		stubborn.destroy();
		expect(logger.entries.filter(entry => entry.event === 'disconnect').map(entry => entry.fields.reason)).toEqual(['shutdown', 'shutdown', 'shutdown', 'shutdown']);
		await expect(LineSocket.connect(test.port)).rejects.toThrow(/ECONNREFUSED/);

		const [serverSide] = duplexPair();
		test.server.handle(serverSide);
		expect(serverSide.destroyed).toBe(true);
	});

	it('removes a session from presence at once when its connection drops', async () => {
		const test = await startTestServer();
		try {
			const alice = await loginJson(test.port, 'alice', 'wonderland');
			const bob = await loginJson(test.port, 'bob', 'builder');
			await alice.waitForEvent(event => event.type === 'presence' && event.user === 'bob');
			bob.destroy();
			expect(await alice.waitForEvent(event => event.type === 'presence')).toMatchObject({user: 'bob', online: false});
			alice.sendJson({type: 'command', id: 1, line: '/msg bob are you there'});
			expect(await alice.waitForEvent(event => event.type === 'ok')).toMatchObject({id: 1, stored: true, recipients: 0});
			alice.destroy();
		} finally {
			await test.close();
		}
	});

	it('reloadUsers() picks up a new user and keeps the old ones when the file turns bad', async () => {
		const test = await startTestServer();
		try {
			await test.addUser('erin', 'secret-e');
			expect(await test.server.reloadUsers()).toBe(5);
			const erin = await loginJson(test.port, 'erin', 'secret-e');
			erin.destroy();
			await appendFile(test.usersFile, 'gina:plaintext\n');
			await expect(test.server.reloadUsers()).rejects.toThrow(/plaintext/);
			const again = await loginJson(test.port, 'erin', 'secret-e');
			again.destroy();
		} finally {
			await test.close();
		}
	});
});

describe('a connection lost during its login', () => {
	it('never becomes a session: no presence, not in /users', async () => {
		const test = await startTestServer();
		try {
			// A cost-10 hash keeps the check busy long enough for the disconnect to arrive first.
			await appendFile(test.usersFile, `slowpoke:${bcrypt.hashSync('slow-password', 10)}\n`);
			await test.server.reloadUsers();
			const alice = await loginJson(test.port, 'alice', 'wonderland');
			const quitter = await LineSocket.connect(test.port);
			quitter.sendJson({type: 'login', id: 1, user: 'slowpoke', password: 'slow-password'});
			quitter.destroy();
			// A second login of the same user that stays: only its presence may be announced.
			const stayer = await loginJson(test.port, 'slowpoke', 'slow-password');
			alice.sendJson({type: 'command', id: 'who', line: '/users'});
			expect(await alice.waitForEvent(event => event.type === 'ok' && event.id === 'who')).toMatchObject({users: [{name: 'alice', sessions: 1}, {name: 'slowpoke', sessions: 1}]});
			stayer.destroy();
			expect(await alice.waitForEvent(event => event.type === 'presence' && !event.online)).toMatchObject({user: 'slowpoke'});
			alice.sendJson({type: 'command', id: 'who2', line: '/users'});
			expect(await alice.waitForEvent(event => event.type === 'ok' && event.id === 'who2')).toMatchObject({users: [{name: 'alice', sessions: 1}]});
			alice.destroy();
		} finally {
			await test.close();
		}
	});
});
