import {readFile, writeFile} from 'node:fs/promises';
import {beforeEach, describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {loginJson, loginText, type LineSocket, jsonCommand} from '../helpers/line-socket.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {testHash, testUsers, type TestServer} from '../helpers/test-server.js';

const fixture = serverFixture();
let server: TestServer;

beforeEach(async () => {
	server = await fixture.start({rate: 0});
});

/** Rewrites the users file as `natter users` would: only the lines of `user` change. */
async function setUser(user: string, password: string | undefined): Promise<void> {
	const lines = (await readFile(server.usersFile, 'utf8')).split('\n').filter(line => line !== '' && !line.startsWith(`${user}:`));
	if (password !== undefined) {
		lines.push(`${user}:${testHash(password)}`);
	}

	await writeFile(server.usersFile, `${lines.join('\n')}\n`);
}

async function json(user: string, password: string): Promise<LineSocket> {
	return fixture.keep(await loginJson(server.port, user, password));
}

const command = jsonCommand;

describe('/sessions and /logout_others', () => {
	it('lists the user\'s own sessions with mode, address and since, and ends the others', async () => {
		const alice = await json('alice', testUsers.alice);
		const aliceText = fixture.keep(await loginText(server.port, 'alice', testUsers.alice));
		const bob = await json('bob', testUsers.bob);
		const listed = await command(alice, '/sessions');
		expect(listed).toMatchObject({type: 'ok', command: 'sessions', sessions: [
			{mode: 'json', address: '127.0.0.1', current: true, since: expect.stringMatching(/^\d{4}-/)},
			{mode: 'text', address: '127.0.0.1', current: false},
		]});
		expect(listed.type === 'ok' && listed.text).toMatch(/^2 sessions: #\d+ json from 127\.0\.0\.1 since .* \(this one\); #\d+ text from 127\.0\.0\.1 since /);
		expect(await command(alice, '/logout_others')).toMatchObject({type: 'ok', command: 'logout_others', ended: 1, text: 'ended 1 other session'});
		expect(await aliceText.waitFor(line => line.startsWith('bye:'))).toBe('bye: another of your sessions logged you out');
		await aliceText.waitForClose();
		expect(await command(alice, '/sessions')).toMatchObject({sessions: [{current: true}]});
		expect(await command(alice, '/logout_others')).toMatchObject({ended: 0, text: 'no other sessions'});
		// bob was never touched.
		expect(await command(bob, '/sessions')).toMatchObject({sessions: [{mode: 'json', current: true}]});
	});
});

describe('revocation on reload', () => {
	it('ends a removed user\'s sessions and leaves nothing a new account of that name could inherit', async () => {
		const alice = await json('alice', testUsers.alice);
		const dave = await json('dave', testUsers.dave);
		await command(alice, '/create_group secret');
		await command(dave, '/join_group secret');
		await command(alice, '/msg dave for your eyes only');
		await command(dave, '/read #secret');
		await setUser('dave', undefined);
		expect(await server.server.reloadUsers()).toBe(3);
		expect(await dave.waitForEvent(event => event.type === 'bye')).toEqual({type: 'bye', reason: 'revoked', text: 'your account was removed or its password changed'});
		await dave.waitForClose();
		expect(await command(alice, '/members secret')).toMatchObject({members: [{name: 'alice'}]});
		expect(await command(alice, '/msg dave hello?')).toMatchObject({type: 'error', code: 'unknown_user'});

		// A new dave, later.
		await setUser('dave', 'a-new-dave');
		await server.server.reloadUsers();
		const newDave = await json('dave', 'a-new-dave');
		expect(await command(newDave, '/history #secret')).toMatchObject({type: 'error', code: 'not_member'});
		expect(await command(newDave, '/history @alice')).toMatchObject({type: 'ok', messages: []});
		await command(alice, '/group_msg secret not for the new dave');
		expect(await command(newDave, '/groups')).toMatchObject({groups: [{name: 'secret', members: 1, joined: false}]});
		const loginOk = newDave.lines.map(line => (line.startsWith('{') ? JSON.parse(line) as ServerEvent : undefined)).find(event => event?.type === 'login_ok');
		expect(loginOk).toMatchObject({conversations: [{conversation: '*'}]});
		expect(newDave.unread().filter(line => line.includes('"group_msg"') || line.includes('"msg"'))).toEqual([]);
	});

	it('ends the sessions of a user whose password changed; the new password logs in', async () => {
		const alice = await json('alice', testUsers.alice);
		const aliceText = fixture.keep(await loginText(server.port, 'alice', testUsers.alice));
		const bob = await json('bob', testUsers.bob);
		await setUser('alice', 'a brand new secret');
		await server.server.reloadUsers();
		expect(await alice.waitForEvent(event => event.type === 'bye')).toMatchObject({reason: 'revoked'});
		expect(await aliceText.waitFor(line => line.startsWith('bye:'))).toBe('bye: your account was removed or its password changed');
		const again = await json('alice', 'a brand new secret');
		expect(await command(again, '/users')).toMatchObject({users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 1}]});
		expect(bob.ended).toBe(false);
	});
});
