import {describe, expect, it} from 'vitest';
import {parseCommand, type ByeReason, type Command, type ResumePoints, type ServerEvent} from '../../../source/protocol/index.js';
import {ChatCore} from '../../../server/core/chat-core.js';
import type {Envelope, Encoder} from '../../../server/core/envelope.js';
import {HeldDeliveries} from '../../../server/core/held-deliveries.js';
import type {SessionSink} from '../../../server/core/session.js';
import {MemoryStore} from '../../../server/store/memory-store.js';

const jsonEncoder: Encoder = {slot: 1, encode: event => Buffer.from(`${JSON.stringify(event)}\n`)};

let sessionCount = 0;

/** A session that keeps what the core delivered to it, holding live events like the real edge does. */
class RecordingSession implements SessionSink {
	readonly events: ServerEvent[] = [];
	readonly envelopes: Envelope[] = [];
	readonly #held = new HeldDeliveries();
	constructor(readonly user: string, readonly watchesPresence = true) {}

	deliver(envelope: Envelope): void {
		if (this.#held.offer(envelope) === 'pass') {
			this.send(envelope);
		}
	}

	send(envelope: Envelope): void {
		this.envelopes.push(envelope);
		this.events.push(envelope.event);
	}

	hold(): void {
		this.#held.hold();
	}

	release(skip: (envelope: Envelope) => boolean): void {
		this.#held.release(skip, envelope => {
			this.send(envelope);
		});
	}

	async ready(): Promise<void> {}

	ended: ByeReason | undefined;
	readonly #since = new Date(Date.now() + (++sessionCount)).toISOString();
	readonly #id = sessionCount;

	end(reason: ByeReason): void {
		this.ended = reason;
	}

	describe() {
		return {id: this.#id, mode: 'test', address: 'here', since: this.#since};
	}

	take(): ServerEvent[] {
		return this.events.splice(0);
	}
}

const registered = new Set(['alice', 'bob', 'carol', 'dave']);
const ts = '2026-01-02T03:04:05.000Z';
const msgid = expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);

function setup(options: {store?: MemoryStore; resumeCap?: number; resumeTotalCap?: number; mailboxCap?: number} = {}) {
	const store = options.store ?? new MemoryStore();
	const core = new ChatCore({
		isRegistered: user => registered.has(user),
		store,
		now: () => new Date(ts),
		limits: {
			...(options.resumeCap === undefined ? {} : {resumeCap: options.resumeCap}),
			...(options.resumeTotalCap === undefined ? {} : {resumeTotalCap: options.resumeTotalCap}),
			...(options.mailboxCap === undefined ? {} : {mailboxCap: options.mailboxCap}),
		},
	});
	const login = async (user: string, resume?: ResumePoints) => {
		const session = new RecordingSession(user);
		const result = await core.login(session);
		await core.catchUp(session, resume);
		return Object.assign(session, {result});
	};

	const run = async (session: SessionSink, line: string) => {
		const parsed = parseCommand(line);
		if (!parsed.ok) {
			throw new Error(`bad test line ${line}: ${parsed.error.message}`);
		}

		return core.execute(session, parsed.command);
	};

	return {core, store, login, run};
}

const texts = (events: readonly ServerEvent[]) => events.flatMap(event => ('text' in event && (event.type === 'msg' || event.type === 'group_msg' || event.type === 'broadcast') ? [event.text] : []));

describe('presence', async () => {
	it('tells others when a user\'s first session arrives and last one leaves', async () => {
		const {core, login} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		expect(alice.take()).toEqual([{type: 'presence', user: 'bob', online: true, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(bob.take()).toEqual([]);
		const bob2 = await login('bob');
		expect(alice.take()).toEqual([]);
		core.detach(bob);
		expect(alice.take()).toEqual([]);
		core.detach(bob2);
		expect(alice.take()).toEqual([{type: 'presence', user: 'bob', online: false, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(core.onlineCount).toBe(1);
	});

	it('ignores detaching a session twice', async () => {
		const {core, login} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		core.detach(bob);
		core.detach(bob);
		expect(alice.take().filter(event => event.type === 'presence' && !event.online)).toHaveLength(1);
	});
});

describe('/msg', async () => {
	it('reaches every session of the recipient and the sender\'s other sessions, with server-set from, id and ts', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const alice2 = await login('alice');
		const bob = await login('bob');
		const bob2 = await login('bob');
		alice.take();
		alice2.take();
		const reply = await run(alice, '/msg Bob hello  there ');
		const message = {type: 'msg', msgid, seq: 1, ts: '2026-01-02T03:04:05.000Z', from: 'alice', to: 'bob', text: 'hello  there '};
		expect(reply).toEqual({type: 'ok', command: 'msg', text: 'sent to bob', message, recipients: 1});
		expect(bob.take()).toEqual([message]);
		expect(bob2.take()).toEqual([message]);
		expect(alice2.take()).toEqual([message]);
		expect(alice.take()).toEqual([]);
	});

	it('serializes a delivery once and hands every recipient the same bytes', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		const bob2 = await login('bob');
		await run(alice, '/msg bob hi');
		expect(bob.envelopes[0]).toBe(bob2.envelopes[0]);
		expect(bob.envelopes[0]!.bytes(jsonEncoder)).toBe(bob2.envelopes[0]!.bytes(jsonEncoder));
		expect(bob.envelopes[0]!.bytes(jsonEncoder).toString()).toBe(`${JSON.stringify(bob.events[0])}\n`);
	});

	it('says unknown_user for a name nobody has, and stores a DM to a known user with no session', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		expect(await run(alice, '/msg zed hi')).toMatchObject({type: 'error', code: 'unknown_user', command: 'msg'});
		expect(await run(alice, '/msg carol hi')).toMatchObject({type: 'ok', stored: true, recipients: 0, text: 'carol is offline: stored, delivered when they next log in'});
	});

	it('gives every message a unique msgid and a seq that rises by one per conversation', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		await login('bob');
		const replies = [await run(alice, '/msg bob a'), await run(alice, '/broadcast b'), await run(alice, '/msg bob c'), await run(alice, '/broadcast d')];
		const messages = replies.map(reply => (reply.type === 'ok' && 'message' in reply ? reply.message : undefined));
		expect(messages.map(message => message?.seq)).toEqual([1, 1, 2, 2]);
		expect(new Set(messages.map(message => message?.msgid)).size).toBe(4);
		const ids = messages.map(message => message!.msgid);
		expect([...ids].sort()).toEqual(ids);
	});
});

describe('/broadcast', async () => {
	it('reaches everyone online but the sending session', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const alice2 = await login('alice');
		const bob = await login('bob');
		const carol = await login('carol');
		for (const session of [alice, alice2, bob, carol]) {
			session.take();
		}

		const reply = await run(alice, '/broadcast hi all');
		expect(reply).toMatchObject({type: 'ok', command: 'broadcast', recipients: 2, text: 'sent to 2 other users online'});
		for (const session of [alice2, bob, carol]) {
			expect(session.take()).toEqual([expect.objectContaining({type: 'broadcast', from: 'alice', text: 'hi all'})]);
		}

		expect(alice.take()).toEqual([]);
	});
});

describe('groups', async () => {
	it('creates, joins, messages, lists and leaves, telling members about membership', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		const carol = await login('carol');
		alice.take();
		bob.take();
		expect(await run(alice, '/create_group Dev')).toMatchObject({type: 'ok', command: 'create_group', group: 'dev'});
		expect(await run(alice, '/create_group dev')).toMatchObject({type: 'error', code: 'group_exists'});
		expect(await run(bob, '/join_group dev')).toMatchObject({type: 'ok', command: 'join_group', group: 'dev'});
		expect(alice.take()).toEqual([{type: 'membership', group: 'dev', user: 'bob', joined: true, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(await run(bob, '/join_group dev')).toMatchObject({type: 'error', code: 'already_member'});
		expect(await run(bob, '/join_group nope')).toMatchObject({type: 'error', code: 'no_such_group'});

		const sent = await run(bob, '/group_msg dev standup');
		expect(sent).toMatchObject({type: 'ok', command: 'group_msg', recipients: 1, message: {type: 'group_msg', group: 'dev', from: 'bob', text: 'standup'}});
		expect(alice.take()).toEqual([expect.objectContaining({type: 'group_msg', from: 'bob', group: 'dev'})]);
		expect(carol.take()).toEqual([]);
		expect(await run(carol, '/group_msg dev let me in')).toMatchObject({type: 'error', code: 'not_member'});
		expect(await run(carol, '/group_msg nope hi')).toMatchObject({type: 'error', code: 'no_such_group'});
		expect(await run(carol, '/leave_group dev')).toMatchObject({type: 'error', code: 'not_member'});

		expect(await run(carol, '/groups')).toMatchObject({groups: [{name: 'dev', members: 2, joined: false}]});
		expect(await run(bob, '/groups')).toMatchObject({groups: [{name: 'dev', members: 2, joined: true}], text: '1 group: #dev (2 members, joined)'});
		expect(await run(carol, '/members dev')).toMatchObject({group: 'dev', members: [{name: 'alice', online: true}, {name: 'bob', online: true}]});
		expect(await run(carol, '/members nope')).toMatchObject({type: 'error', code: 'no_such_group'});

		expect(await run(bob, '/leave_group dev')).toMatchObject({type: 'ok', command: 'leave_group', group: 'dev'});
		expect(alice.take()).toEqual([{type: 'membership', group: 'dev', user: 'bob', joined: false, ts: '2026-01-02T03:04:05.000Z'}]);
		expect(await run(alice, '/leave_group dev')).toMatchObject({type: 'ok', text: 'left #dev; it had no other members, so it is gone'});
		expect(await run(alice, '/groups')).toMatchObject({groups: []});
		expect(await run(alice, '/join_group dev')).toMatchObject({type: 'error', code: 'no_such_group'});
	});

	it('keeps membership by user name across a disconnect', async () => {
		const {core, login, run} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		await run(alice, '/create_group dev');
		await run(bob, '/join_group dev');
		core.detach(bob);
		expect(await run(alice, '/members dev')).toMatchObject({members: [{name: 'alice', online: true}, {name: 'bob', online: false}]});
		expect(await run(alice, '/group_msg dev anyone')).toMatchObject({recipients: 0});
		const bobAgain = await login('bob');
		await run(alice, '/group_msg dev back?');
		expect(bobAgain.take()).toEqual([expect.objectContaining({type: 'group_msg', text: 'back?'})]);
	});

	it('tells the joiner\'s and leaver\'s other sessions too', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const alice2 = await login('alice');
		await run(alice, '/create_group dev');
		expect(alice2.take()).toEqual([expect.objectContaining({type: 'membership', user: 'alice', joined: true})]);
		await run(alice, '/leave_group dev');
		expect(alice2.take()).toEqual([expect.objectContaining({type: 'membership', user: 'alice', joined: false})]);
		expect(alice.take()).toEqual([]);
	});

	it('delivers a group message to the sender\'s other sessions', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const alice2 = await login('alice');
		await run(alice, '/create_group dev');
		alice2.take();
		await run(alice, '/group_msg dev note to self');
		expect(alice2.take()).toEqual([expect.objectContaining({type: 'group_msg', text: 'note to self'})]);
	});
});

describe('info commands', async () => {
	it('/users lists who is online with session counts', async () => {
		const {login, run} = setup();
		const bob = await login('bob');
		await login('alice');
		await login('alice');
		expect(await run(bob, '/users')).toEqual({
			type: 'ok', command: 'users', text: '2 users online: alice (2 sessions), bob',
			users: [{name: 'alice', sessions: 2}, {name: 'bob', sessions: 1}],
		});
	});

	it('/help lists every command, or explains one', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const all = await run(alice, '/help');
		for (const name of ['msg', 'broadcast', 'create_group', 'join_group', 'group_msg', 'leave_group', 'users', 'groups', 'members', 'history', 'read', 'sessions', 'logout_others', 'help', 'exit']) {
			expect(all.type === 'ok' && all.text).toContain(`/${name}`);
		}

		expect(await run(alice, '/help /msg')).toMatchObject({type: 'ok', command: 'help', text: expect.stringContaining('/msg <user> <text>')});
	});

	it('/exit answers ok', async () => {
		const {login, run} = setup();
		const exitCommand: Command = {type: 'exit'};
		expect(await run(await login('alice'), '/exit')).toEqual({type: 'ok', command: exitCommand.type, text: 'bye'});
	});
});

describe('offline DMs', () => {
	it('are delivered once, at the next login, to the first session, in order', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		await run(alice, '/msg bob one');
		await run(alice, '/msg bob two');
		const bob = await login('bob');
		expect(bob.result.waiting).toBe(2);
		expect(texts(bob.take())).toEqual(['one', 'two']);
		const bob2 = await login('bob');
		expect(texts(bob2.take())).toEqual([]);
		expect(await run(alice, '/msg bob live')).toMatchObject({type: 'ok', text: 'sent to bob', recipients: 1});
	});

	it('refuses more than the mailbox holds, and more than a tenth of it from one sender, with a clear error', async () => {
		const {core, login, run} = setup({mailboxCap: 20});
		const [alice, carol] = [await login('alice'), await login('carol')];
		for (let index = 1; index <= 2; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await run(alice, `/msg bob a${index}`)).toMatchObject({type: 'ok', stored: true});
		}

		// alice has had her share: bob's mailbox still takes everyone else's.
		expect(await run(alice, '/msg bob a3')).toEqual({type: 'error', code: 'mailbox_full', command: 'msg', message: 'bob is offline and already has 2 of your messages waiting (at most 2 from one sender); try again when they are back'});
		expect(await run(carol, '/msg bob c1')).toMatchObject({type: 'ok', stored: true});
		const bob = await login('bob');
		expect(texts(bob.take())).toEqual(['a1', 'a2', 'c1']);
		core.detach(bob);
		// Handed over: alice's share is hers again.
		expect(await run(alice, '/msg bob a4')).toMatchObject({type: 'ok', stored: true});
	});

	it('refuses a DM to an offline user whose mailbox is full, with a clear error', async () => {
		const {login, run} = setup({mailboxCap: 2});
		const [alice, carol, dave] = [await login('alice'), await login('carol'), await login('dave')];
		await run(alice, '/msg bob 1');
		await run(carol, '/msg bob 2');
		expect(await run(dave, '/msg bob 3')).toMatchObject({type: 'error', code: 'mailbox_full', message: expect.stringContaining('already has 2 messages waiting')});
		const bob = await login('bob');
		expect(texts(bob.take())).toEqual(['1', '2']);
	});
});

describe('/history', () => {
	async function chat() {
		const context = setup();
		const alice = await context.login('alice');
		const bob = await context.login('bob');
		await context.run(alice, '/create_group dev');
		await context.run(bob, '/join_group dev');
		for (let index = 1; index <= 120; index++) {
			// eslint-disable-next-line no-await-in-loop
			await context.run(index % 2 === 0 ? alice : bob, `/group_msg dev m${index}`);
		}

		return {...context, alice, bob};
	}

	it('pages a group newest first, oldest first within a page, before and after a seq', async () => {
		const {alice, run} = await chat();
		const latest = await run(alice, '/history #dev');
		expect(latest).toMatchObject({type: 'ok', command: 'history', conversation: '#dev', more: true});
		const seqs = (reply: typeof latest) => (reply.type === 'ok' && reply.command === 'history' ? reply.messages.map(message => message.seq) : []);
		expect(seqs(latest)).toEqual(Array.from({length: 50}, (_, index) => 71 + index));
		const older = await run(alice, '/history #dev before 71 100');
		expect(seqs(older)).toEqual(Array.from({length: 70}, (_, index) => 1 + index));
		expect(older).toMatchObject({more: false});
		const newer = await run(alice, '/history #Dev after 115');
		expect(seqs(newer)).toEqual([116, 117, 118, 119, 120]);
		expect(await run(alice, '/history #dev after 120')).toMatchObject({messages: [], more: false, text: 'no messages in #dev there'});
		expect(await run(alice, '/history #dev before 0')).toMatchObject({messages: []});
	});

	it('reads DMs from either partner and broadcasts for everyone', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		await run(alice, '/msg bob hi bob');
		await run(bob, '/msg alice hi alice');
		await run(bob, '/broadcast all');
		const fromAlice = await run(alice, '/history @bob');
		const fromBob = await run(bob, '/history @Alice');
		expect(fromAlice).toMatchObject({conversation: '@bob', messages: [{text: 'hi bob', seq: 1}, {text: 'hi alice', seq: 2}]});
		expect(fromBob).toMatchObject({conversation: '@alice', messages: [{text: 'hi bob'}, {text: 'hi alice'}]});
		const carol = await login('carol');
		expect(await run(carol, '/history *')).toMatchObject({messages: [{text: 'all', from: 'bob'}]});
		expect(await run(carol, '/history @bob')).toMatchObject({messages: []});
	});

	it('lets nobody read a group they are not in, or after leaving, or an unknown user\'s DMs', async () => {
		const {alice, bob, login, run} = await chat();
		const carol = await login('carol');
		expect(await run(carol, '/history #dev')).toMatchObject({type: 'error', code: 'not_member'});
		expect(await run(carol, '/history #nope')).toMatchObject({type: 'error', code: 'no_such_group'});
		expect(await run(carol, '/history @zed')).toMatchObject({type: 'error', code: 'unknown_user'});
		await run(bob, '/leave_group dev');
		expect(await run(bob, '/history #dev')).toMatchObject({type: 'error', code: 'not_member'});
		expect(await run(alice, '/history #dev 1')).toMatchObject({type: 'ok', messages: [{text: 'm120'}]});
	});
});

describe('/read', () => {
	it('moves forward only, never past the newest, and tells the user\'s other sessions', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const alice2 = await login('alice');
		const bob = await login('bob');
		for (const text of ['a', 'b', 'c']) {
			// eslint-disable-next-line no-await-in-loop
			await run(bob, `/msg alice ${text}`);
		}

		alice.take();
		alice2.take();
		expect(await run(alice, '/read @bob 2')).toMatchObject({type: 'ok', command: 'read', conversation: '@bob', seq: 2});
		expect(alice2.take()).toEqual([{type: 'read', conversation: '@bob', seq: 2}]);
		expect(await run(alice, '/read @bob 1')).toMatchObject({seq: 2, text: '@bob was already read up to 2'});
		expect(alice2.take()).toEqual([]);
		expect(await run(alice, '/read @bob 99')).toMatchObject({seq: 3});
		expect(await run(alice2, '/read @bob')).toMatchObject({seq: 3});
		const again = await login('alice');
		expect(again.result.conversations).toContainEqual({conversation: '@bob', last_seq: 3, read_seq: 3, unread: 0});
	});

	it('gives unread counts at login from the markers', async () => {
		const {login, run} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		await run(alice, '/create_group dev');
		await run(bob, '/join_group dev');
		await run(alice, '/group_msg dev 1');
		await run(alice, '/group_msg dev 2');
		await run(bob, '/read #dev 1');
		const bob2 = await login('bob');
		expect(bob2.result.conversations).toEqual([
			{conversation: '#dev', last_seq: 2, read_seq: 1, unread: 1},
			{conversation: '*', last_seq: 0, read_seq: 0, unread: 0},
		]);
	});
});

describe('resume', () => {
	it('sends exactly what a session missed, in order, and no live duplicate', async () => {
		const {login, run, core} = setup();
		const alice = await login('alice');
		const bob = await login('bob');
		await run(alice, '/create_group dev');
		await run(bob, '/join_group dev');
		for (let index = 1; index <= 15; index++) {
			// eslint-disable-next-line no-await-in-loop
			await run(alice, `/group_msg dev m${index}`);
		}

		const back = new RecordingSession('bob');
		await core.login(back);
		// A message that arrives while the backlog is being sent is held, then delivered once after it.
		const live = run(alice, '/group_msg dev live');
		await core.catchUp(back, {'#dev': 5});
		await live;
		const events = back.take();
		expect(texts(events)).toEqual([...Array.from({length: 10}, (_, index) => `m${index + 6}`), 'live']);
		// Stored before the backlog was read, it came with the backlog, and its live copy was dropped.
		expect(events.find(event => event.type === 'resumed')).toEqual({type: 'resumed', messages: 11, gaps: 0});
	});

	it('past the cap sends a gap, then the newest cap messages', async () => {
		const {login, run} = setup({resumeCap: 4});
		const alice = await login('alice');
		await login('bob');
		for (let index = 1; index <= 10; index++) {
			// eslint-disable-next-line no-await-in-loop
			await run(alice, `/msg bob ${index}`);
		}

		const bob = await login('bob', {'@alice': 2, '#nope': 3});
		const events = bob.take();
		expect(events[0]).toEqual({type: 'gap', conversation: '@alice', after: 2, before: 7, skipped: 4});
		expect(texts(events)).toEqual(['7', '8', '9', '10']);
		expect(events.at(-1)).toEqual({type: 'resumed', messages: 4, gaps: 1});
	});

	it('sends at most the total cap over all conversations; the rest are gaps', async () => {
		const {login, run} = setup({resumeCap: 4, resumeTotalCap: 6});
		const alice = await login('alice');
		await login('bob');
		for (let index = 1; index <= 5; index++) {
			// eslint-disable-next-line no-await-in-loop
			await run(alice, `/msg bob dm ${index}`);
			// eslint-disable-next-line no-await-in-loop
			await run(alice, `/broadcast all ${index}`);
		}

		const bob = await login('bob', {'@alice': 0, '*': 0});
		const events = bob.take();
		expect(events.filter(event => event.type === 'gap')).toEqual([
			{type: 'gap', conversation: '@alice', after: 0, before: 2, skipped: 1},
			{type: 'gap', conversation: '*', after: 0, before: 4, skipped: 3},
		]);
		expect(texts(events)).toEqual(['dm 2', 'dm 3', 'dm 4', 'dm 5', 'all 4', 'all 5']);
		expect(events.at(-1)).toEqual({type: 'resumed', messages: 6, gaps: 2});
	});
});
