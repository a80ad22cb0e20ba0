import {beforeEach, describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {jsonCommand, type LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {testUsers, type TestServer} from '../helpers/test-server.js';

const fixture = serverFixture();
let server: TestServer;

beforeEach(async () => {
	server = await fixture.start();
});

async function text(user: keyof typeof testUsers): Promise<LineSocket> {
	return fixture.keep(await loginText(server.port, user, testUsers[user]));
}

async function json(user: keyof typeof testUsers): Promise<LineSocket> {
	return fixture.keep(await loginJson(server.port, user, testUsers[user]));
}

const clock = String.raw`\[\d\d:\d\d:\d\d\]`;

describe('/join and /part (IRC habits)', () => {
	it('creates a missing group, joins an existing one, takes a leading #, and parts', async () => {
		const alice = await text('alice');
		const bob = await json('bob');
		await alice.waitFor('* bob is online');
		alice.send('/join #Ops');
		expect(await alice.next()).toBe('ok: created #ops; you are its first member');
		expect(await jsonCommand(bob, '/join ops')).toMatchObject({type: 'ok', command: 'join', group: 'ops', text: 'joined #ops'});
		expect(await alice.next()).toMatch(new RegExp(`^${clock} \\[#ops\\] \\* bob joined$`));
		const again = await jsonCommand(bob, '/join #ops');
		expect(again).toMatchObject({type: 'error', code: 'already_member', command: 'join', message: 'you are already in #ops'});
		expect(await jsonCommand(bob, '/part #ops')).toMatchObject({type: 'ok', command: 'part', group: 'ops', text: 'left #ops'});
		expect(await jsonCommand(bob, '/part ops')).toMatchObject({type: 'error', code: 'not_member', command: 'part'});
		alice.send('/join');
		expect(await alice.waitFor(/^error:/)).toBe('error: usage: /join <group>');
		alice.send('/join #no/slash');
		expect(await alice.waitFor(/^error:/)).toMatch(/^error: .*\(usage: \/join <group>\)$/);
	});

	it('marks the reply of a /join that created the group', async () => {
		const bob = await json('bob');
		expect(await jsonCommand(bob, '/join fresh')).toMatchObject({type: 'ok', command: 'join', group: 'fresh', created: true});
	});
});

describe('/me', () => {
	it('is an action every client shows: "* alice waves" in text mode, "action": true in JSON and in history', async () => {
		const alice = await text('alice');
		const bob = await json('bob');
		const carol = await text('carol');
		alice.send('/join dev');
		await alice.waitFor(/^ok: /);
		expect(await jsonCommand(bob, '/join dev')).toMatchObject({type: 'ok'});
		carol.send('/join dev');
		await carol.waitFor(/^ok: /);
		alice.send('/me #dev waves');
		const reply = await alice.waitFor(/^ok: /);
		expect(reply).toBe('ok: sent to #dev (2 other members online)');
		const event = await bob.waitForEvent(candidate => candidate.type === 'group_msg');
		expect(event).toMatchObject({type: 'group_msg', from: 'alice', group: 'dev', text: 'waves', action: true});
		expect(await carol.waitFor(/\* alice waves/)).toMatch(new RegExp(`^${clock} \\[#dev\\] \\* alice waves$`));
		// An ordinary message carries no action field.
		alice.send('/group_msg dev plain');
		const plain = await bob.waitForEvent(candidate => candidate.type === 'group_msg' && candidate.text === 'plain');
		expect(plain).not.toHaveProperty('action');
		const history = await jsonCommand(bob, '/history #dev');
		expect(history.type === 'ok' && history.command === 'history' ? history.messages.map(message => [message.text, message.action ?? false]) : history)
			.toEqual([['waves', true], ['plain', false]]);
		carol.send('/history #dev');
		expect(await carol.waitFor(/\* alice waves$/)).toMatch(new RegExp(`^${clock} \\[#dev\\] \\* alice waves$`));
	});

	it('goes to a user (@bob), stored for them when offline, and to everyone (*)', async () => {
		const alice = await json('alice');
		const sent = await jsonCommand(alice, '/me @bob hands over the keys');
		expect(sent).toMatchObject({type: 'ok', command: 'me', stored: true, message: {type: 'msg', to: 'bob', action: true}});
		const bob = await text('bob');
		expect(await bob.waitFor(/hands over/)).toMatch(new RegExp(`^${clock} \\[private\\] alice -> bob: \\* alice hands over the keys$`));
		const everyone = await jsonCommand(alice, '/me * yawns');
		expect(everyone).toMatchObject({type: 'ok', command: 'me', recipients: 1, message: {type: 'broadcast', action: true, text: 'yawns'}});
		expect(await bob.waitFor(/yawns/)).toMatch(new RegExp(`^${clock} \\[broadcast\\] \\* alice yawns$`));
	});

	it('refuses what cannot be sent with the reason: no conversation, no text, a group you are not in, an unknown user', async () => {
		const alice = await json('alice');
		const expectError = async (line: string, code: string, message: RegExp) => {
			const reply: ServerEvent = await jsonCommand(alice, line);
			expect(reply).toMatchObject({type: 'error', code});
			expect(reply.type === 'error' ? reply.message : '').toMatch(message);
		};

		await expectError('/me waves', 'bad_argument', /a conversation is #group, @user or \* \(usage: \/me <conversation> <text>\)/);
		await expectError('/me #dev', 'usage', /^usage: \/me <conversation> <text>$/);
		await expectError('/me #nowhere waves', 'no_such_group', /no group named #nowhere/);
		await expectError('/me @zed waves', 'unknown_user', /no user named zed/);
		const bob = await json('bob');
		await jsonCommand(bob, '/join club');
		await expectError('/me #club waves', 'not_member', /you are not in #club/);
	});
});
