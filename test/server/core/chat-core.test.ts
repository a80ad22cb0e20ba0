import {describe, expect, it} from 'vitest';
import {parseCommand, type Command, type ServerEvent} from '../../../source/protocol/index.js';
import {ChatCore} from '../../../server/core/chat-core.js';
import type {OutboundEvent} from '../../../server/core/outbound.js';
import type {SessionSink} from '../../../server/core/session.js';

/** A session that keeps what the core delivered to it. */
class RecordingSession implements SessionSink {
	readonly events: ServerEvent[] = [];
	readonly outbound: OutboundEvent[] = [];
	constructor(readonly user: string, readonly watchesPresence = true) {}

	deliver(event: OutboundEvent): void {
		this.outbound.push(event);
		this.events.push(event.event);
	}

	take(): ServerEvent[] {
		return this.events.splice(0);
	}
}

const registered = new Set(['alice', 'bob', 'carol', 'dave']);

function setup() {
	const core = new ChatCore({isRegistered: user => registered.has(user), now: () => new Date('2026-01-02T03:04:05.000Z')});
	const login = (user: string) => {
		const session = new RecordingSession(user);
		core.attach(session);
		return session;
	};

	const run = (session: SessionSink, line: string) => {
		const parsed = parseCommand(line);
		if (!parsed.ok) {
			throw new Error(`bad test line ${line}: ${parsed.error.message}`);
		}

		return core.execute(session, parsed.command);
	};

	return {core, login, run};
}

describe('presence', () => {
	it('tells others when a user\'s first session arrives and last one leaves', () => {
		const {core, login} = setup();
		const alice = login('alice');
		const bob = login('bob');
		expect(alice.take()).toEqual([{type: 'presence', user: 'bob', online: true, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(bob.take()).toEqual([]);
		const bob2 = login('bob');
		expect(alice.take()).toEqual([]);
		core.detach(bob);
		expect(alice.take()).toEqual([]);
		core.detach(bob2);
		expect(alice.take()).toEqual([{type: 'presence', user: 'bob', online: false, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(core.onlineCount).toBe(1);
	});

	it('ignores detaching a session twice', () => {
		const {core, login} = setup();
		const alice = login('alice');
		const bob = login('bob');
		core.detach(bob);
		core.detach(bob);
		expect(alice.take().filter(event => event.type === 'presence' && !event.online)).toHaveLength(1);
	});
});

describe('/msg', () => {
	it('reaches every session of the recipient and the sender\'s other sessions, with server-set from, id and ts', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const alice2 = login('alice');
		const bob = login('bob');
		const bob2 = login('bob');
		alice.take();
		alice2.take();
		const reply = run(alice, '/msg Bob hello  there ');
		const message = {type: 'msg', id: 1, ts: '2026-01-02T03:04:05.000Z', from: 'alice', to: 'bob', text: 'hello  there '};
		expect(reply).toEqual({type: 'ok', command: 'msg', text: 'sent to bob', message, recipients: 1});
		expect(bob.take()).toEqual([message]);
		expect(bob2.take()).toEqual([message]);
		expect(alice2.take()).toEqual([message]);
		expect(alice.take()).toEqual([]);
	});

	it('serializes a delivery once and hands every recipient the same bytes', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const bob = login('bob');
		const bob2 = login('bob');
		run(alice, '/msg bob hi');
		expect(bob.outbound[0]).toBe(bob2.outbound[0]);
		expect(bob.outbound[0]!.json).toBe(bob2.outbound[0]!.json);
		expect(bob.outbound[0]!.json.toString()).toBe(`${JSON.stringify(bob.events[0])}\n`);
	});

	it('says unknown_user for a name nobody has, offline for a known user with no session', () => {
		const {login, run} = setup();
		const alice = login('alice');
		expect(run(alice, '/msg zed hi')).toMatchObject({type: 'error', code: 'unknown_user', command: 'msg'});
		expect(run(alice, '/msg carol hi')).toMatchObject({type: 'error', code: 'offline', message: 'carol is offline'});
	});

	it('gives every accepted message a growing id', () => {
		const {login, run} = setup();
		const alice = login('alice');
		login('bob');
		const ids = [run(alice, '/msg bob a'), run(alice, '/broadcast b'), run(alice, '/msg bob c')]
			.map(reply => (reply.type === 'ok' && 'message' in reply ? reply.message.id : 0));
		expect(ids).toEqual([1, 2, 3]);
	});
});

describe('/broadcast', () => {
	it('reaches everyone online but the sending session', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const alice2 = login('alice');
		const bob = login('bob');
		const carol = login('carol');
		for (const session of [alice, alice2, bob, carol]) {
			session.take();
		}

		const reply = run(alice, '/broadcast hi all');
		expect(reply).toMatchObject({type: 'ok', command: 'broadcast', recipients: 2, text: 'sent to 2 other users online'});
		for (const session of [alice2, bob, carol]) {
			expect(session.take()).toEqual([expect.objectContaining({type: 'broadcast', from: 'alice', text: 'hi all'})]);
		}

		expect(alice.take()).toEqual([]);
	});
});

describe('groups', () => {
	it('creates, joins, messages, lists and leaves, telling members about membership', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const bob = login('bob');
		const carol = login('carol');
		alice.take();
		bob.take();
		expect(run(alice, '/create_group Dev')).toMatchObject({type: 'ok', command: 'create_group', group: 'dev'});
		expect(run(alice, '/create_group dev')).toMatchObject({type: 'error', code: 'group_exists'});
		expect(run(bob, '/join_group dev')).toMatchObject({type: 'ok', command: 'join_group', group: 'dev'});
		expect(alice.take()).toEqual([{type: 'membership', group: 'dev', user: 'bob', joined: true, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(run(bob, '/join_group dev')).toMatchObject({type: 'error', code: 'already_member'});
		expect(run(bob, '/join_group nope')).toMatchObject({type: 'error', code: 'no_such_group'});

		const sent = run(bob, '/group_msg dev standup');
		expect(sent).toMatchObject({type: 'ok', command: 'group_msg', recipients: 1, message: {type: 'group_msg', group: 'dev', from: 'bob', text: 'standup'}});
		expect(alice.take()).toEqual([expect.objectContaining({type: 'group_msg', from: 'bob', group: 'dev'})]);
		expect(carol.take()).toEqual([]);
		expect(run(carol, '/group_msg dev let me in')).toMatchObject({type: 'error', code: 'not_member'});
		expect(run(carol, '/group_msg nope hi')).toMatchObject({type: 'error', code: 'no_such_group'});
		expect(run(carol, '/leave_group dev')).toMatchObject({type: 'error', code: 'not_member'});

		expect(run(carol, '/groups')).toMatchObject({groups: [{name: 'dev', members: 2, joined: false}]});
		expect(run(bob, '/groups')).toMatchObject({groups: [{name: 'dev', members: 2, joined: true}], text: '1 group: #dev (2 members, joined)'});
		expect(run(carol, '/members dev')).toMatchObject({group: 'dev', members: [{name: 'alice', online: true}, {name: 'bob', online: true}]});
		expect(run(carol, '/members nope')).toMatchObject({type: 'error', code: 'no_such_group'});

		expect(run(bob, '/leave_group dev')).toMatchObject({type: 'ok', command: 'leave_group', group: 'dev'});
		expect(alice.take()).toEqual([{type: 'membership', group: 'dev', user: 'bob', joined: false, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(run(alice, '/leave_group dev')).toMatchObject({type: 'ok', text: 'left #dev; it had no other members, so it is gone'});
		expect(run(alice, '/groups')).toMatchObject({groups: []});
		expect(run(alice, '/join_group dev')).toMatchObject({type: 'error', code: 'no_such_group'});
	});

	it('keeps membership by user name across a disconnect', () => {
		const {core, login, run} = setup();
		const alice = login('alice');
		const bob = login('bob');
		run(alice, '/create_group dev');
		run(bob, '/join_group dev');
		core.detach(bob);
		expect(run(alice, '/members dev')).toMatchObject({members: [{name: 'alice', online: true}, {name: 'bob', online: false}]});
		expect(run(alice, '/group_msg dev anyone')).toMatchObject({recipients: 0});
		const bobAgain = login('bob');
		run(alice, '/group_msg dev back?');
		expect(bobAgain.take()).toEqual([expect.objectContaining({type: 'group_msg', text: 'back?'})]);
	});

	it('tells the joiner\'s and leaver\'s other sessions too', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const alice2 = login('alice');
		run(alice, '/create_group dev');
		expect(alice2.take()).toEqual([expect.objectContaining({type: 'membership', user: 'alice', joined: true})]);
		run(alice, '/leave_group dev');
		expect(alice2.take()).toEqual([expect.objectContaining({type: 'membership', user: 'alice', joined: false})]);
		expect(alice.take()).toEqual([]);
	});

	it('delivers a group message to the sender\'s other sessions', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const alice2 = login('alice');
		run(alice, '/create_group dev');
		alice2.take();
		run(alice, '/group_msg dev note to self');
		expect(alice2.take()).toEqual([expect.objectContaining({type: 'group_msg', text: 'note to self'})]);
	});
});

describe('info commands', () => {
	it('/users lists who is online with session counts', () => {
		const {login, run} = setup();
		const bob = login('bob');
		login('alice');
		login('alice');
		expect(run(bob, '/users')).toEqual({
			type: 'ok', command: 'users', text: '2 users online: alice (2 sessions), bob',
			users: [{name: 'alice', sessions: 2}, {name: 'bob', sessions: 1}],
		});
	});

	it('/help lists every command, or explains one', () => {
		const {login, run} = setup();
		const alice = login('alice');
		const all = run(alice, '/help');
		for (const name of ['msg', 'broadcast', 'create_group', 'join_group', 'group_msg', 'leave_group', 'users', 'groups', 'members', 'help', 'exit']) {
			expect(all.type === 'ok' && all.text).toContain(`/${name}`);
		}

		expect(run(alice, '/help /msg')).toMatchObject({type: 'ok', command: 'help', text: expect.stringContaining('/msg <user> <text>')});
	});

	it('/exit answers ok', () => {
		const {login, run} = setup();
		const exitCommand: Command = {type: 'exit'};
		expect(run(login('alice'), '/exit')).toEqual({type: 'ok', command: exitCommand.type, text: 'bye'});
	});
});
