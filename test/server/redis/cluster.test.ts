import {describe, expect, it, vi} from 'vitest';
import type {ChatMessage, ServerEvent} from '../../../source/protocol/index.js';
import {jsonCommand, LineSocket, loginJson, loginText} from '../../helpers/line-socket.js';
import {clusterFixture} from '../../helpers/redis-cluster.js';
import {RecordingLogger} from '../../helpers/recording-logger.js';
import {redisServerAvailable, redisSkipReason} from '../../helpers/redis-server.js';
import {testUsers, type TestServer} from '../../helpers/test-server.js';

if (!redisServerAvailable) {
	console.warn(redisSkipReason);
}

const clock = String.raw`\[\d\d:\d\d:\d\d\]`;
type User = keyof typeof testUsers;

describe.skipIf(!redisServerAvailable)('several nodes on one Redis', () => {
	const cluster = clusterFixture();

	async function json(node: TestServer, user: User, resume?: Record<string, number>): Promise<LineSocket> {
		return cluster.keep(await loginJson(node.port, user, testUsers[user], resume));
	}

	async function text(node: TestServer, user: User): Promise<LineSocket> {
		return cluster.keep(await loginText(node.port, user, testUsers[user]));
	}

	it('text mode: a DM, a broadcast and a group between users on two nodes read as on one server', async () => {
		const [first, second] = await cluster.nodes(2);
		const alice = await text(first!, 'alice');
		const bob = await text(second!, 'bob');
		alice.send('/users');
		expect(await alice.waitFor(/^ok: \d users? online/)).toBe('ok: 2 users online: alice, bob');
		alice.send('/msg bob hello from node one');
		expect(await bob.waitFor(/\[private\]/)).toMatch(new RegExp(`^${clock} \\[private\\] alice -> bob: hello from node one$`));
		bob.send('/broadcast hi all');
		expect(await alice.waitFor(/\[broadcast\]/)).toMatch(new RegExp(`^${clock} \\[broadcast\\] bob: hi all$`));
		alice.send('/create_group dev');
		await alice.waitFor(/^ok: created #dev/);
		bob.send('/join_group dev');
		expect(await alice.waitFor(/\* bob joined/)).toMatch(new RegExp(`^${clock} \\[#dev\\] \\* bob joined$`));
		bob.send('/group_msg dev standup in 5');
		expect(await alice.waitFor(/\[#dev\] bob:/)).toMatch(new RegExp(`^${clock} \\[#dev\\] bob: standup in 5$`));
		alice.send('/members dev');
		expect(await alice.waitFor(/^ok: #dev has/)).toBe('ok: #dev has 2 members: alice, bob');
		bob.send('/me #dev waves');
		expect(await alice.waitFor(/waves/)).toMatch(new RegExp(`^${clock} \\[#dev\\] \\* bob waves$`));
		alice.send('/history #dev');
		expect(await alice.waitFor(/waves/)).toMatch(/\* bob waves$/);
	});

	it('IRC on one node, JSON on another: channels are the same groups, DMs cross', async () => {
		const [first] = await cluster.nodes(1, {ircPort: 0});
		const [second] = await cluster.nodes(1);
		const irc = cluster.keep(await LineSocket.connect(first!.server.ircAddress!.port));
		irc.write('PASS wonderland\r\nNICK alice\r\nUSER alice 0 * :Alice\r\n');
		await irc.waitFor(/ 001 alice /);
		irc.write('JOIN #dev\r\n');
		await irc.waitFor(/^:alice!\S+ JOIN #dev$/);
		const bob = await json(second!, 'bob');
		expect(await jsonCommand(bob, '/join_group dev')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(bob, '/group_msg dev hello irc')).toMatchObject({type: 'ok', recipients: 1});
		expect(await irc.waitFor(/PRIVMSG #dev/)).toBe(':bob!bob@irc.natter PRIVMSG #dev :hello irc');
		await jsonCommand(bob, '/msg alice a dm');
		expect(await irc.waitFor(/PRIVMSG alice/)).toBe(':bob!bob@irc.natter PRIVMSG alice :a dm');
		irc.write('PRIVMSG #dev :hi from irc\r\n');
		expect(await bob.waitForEvent(event => event.type === 'group_msg')).toMatchObject({from: 'alice', text: 'hi from irc'});
	});

	it('JSON mode: presence, /users and every session of a user across three nodes', async () => {
		const [one, two, three] = await cluster.nodes(3);
		const alice = await json(one!, 'alice');
		const aliceElsewhere = await json(three!, 'alice');
		const bob = await json(two!, 'bob');
		expect(await alice.waitForEvent(event => event.type === 'presence')).toMatchObject({user: 'bob', online: true});
		const users = await jsonCommand(bob, '/users');
		expect(users).toMatchObject({type: 'ok', users: [{name: 'alice', sessions: 2}, {name: 'bob', sessions: 1}]});

		const sent = await jsonCommand(bob, '/msg alice to both of you');
		expect(sent).toMatchObject({type: 'ok', recipients: 1});
		const msgid = (sent as {message: ChatMessage}).message.msgid;
		for (const session of [alice, aliceElsewhere]) {
			expect(await session.waitForEvent(event => event.type === 'msg')).toMatchObject({msgid, from: 'bob', text: 'to both of you'});
		}

		// The sender's other session (on another node) sees what it sent; the sending one only its reply.
		const reply = await jsonCommand(alice, '/msg bob back');
		expect(await aliceElsewhere.waitForEvent(event => event.type === 'msg' && event.from === 'alice')).toMatchObject({text: 'back', seq: 2});
		expect(alice.unread().some(line => line.includes('"text":"back"') && !line.includes('"ok"'))).toBe(false);
		expect(reply).toMatchObject({type: 'ok', recipients: 1});

		aliceElsewhere.destroy();
		alice.destroy();
		expect(await bob.waitForEvent(event => event.type === 'presence')).toMatchObject({user: 'alice', online: false});
		expect(await jsonCommand(bob, '/users')).toMatchObject({text: '1 user online: bob'});
	});

	it('/logout_others ends the user\'s sessions on the other nodes too', async () => {
		const [first, second] = await cluster.nodes(2);
		const here = await json(first!, 'alice');
		const sameNode = await json(first!, 'alice');
		const elsewhere = await json(second!, 'alice');
		expect(await jsonCommand(here, '/logout_others')).toMatchObject({type: 'ok', ended: 2, text: 'ended 2 other sessions'});
		for (const other of [sameNode, elsewhere]) {
			expect(await other.waitForEvent(event => event.type === 'bye')).toMatchObject({reason: 'logged_out'});
		}

	});

	it('/sessions lists the user\'s sessions on every node, each with its node, and drops one that ends', async () => {
		const [first, second, third] = await cluster.nodes(3);
		const here = await json(first!, 'alice');
		const elsewhere = await text(second!, 'alice');
		await json(third!, 'alice');
		await json(second!, 'bob');
		// Node one hears of the others' sessions through presence (pub/sub): wait until it counts three.
		await vi.waitFor(async () => {
			expect(await jsonCommand(here, '/users')).toMatchObject({users: expect.arrayContaining([{name: 'alice', sessions: 3}])});
		});
		const listed = await jsonCommand(here, '/sessions');
		expect(listed).toMatchObject({type: 'ok', command: 'sessions', text: expect.stringMatching(/^3 sessions: #\d+ (json|text) from 127\.0\.0\.1 since \S+ on \S+/)});
		const sessions = (listed as Extract<ServerEvent, {command: 'sessions'}>).sessions;
		expect(sessions.map(session => session.mode).sort()).toEqual(['json', 'json', 'text']);
		expect(new Set(sessions.map(session => session.node)).size).toBe(3);
		expect(sessions.filter(session => session.current)).toHaveLength(1);
		expect(sessions.every(session => session.address === '127.0.0.1' && /^\d{4}-\d\d-\d\dT/.test(session.since))).toBe(true);
		// Asked on another node, the same three, the current one there.
		elsewhere.send('/sessions');
		expect(await elsewhere.waitFor(/^ok: \d+ sessions?:/)).toMatch(/^ok: 3 sessions: .* \(this one\)/);

		elsewhere.send('/exit');
		await elsewhere.waitForClose();
		await vi.waitFor(async () => {
			const after = await jsonCommand(here, '/sessions') as Extract<ServerEvent, {command: 'sessions'}>;
			expect(after.sessions.map(session => session.mode).sort()).toEqual(['json', 'json']);
		});
	});

	it('--max-sessions counts the user\'s sessions on every node', async () => {
		const [first, second] = await cluster.nodes(2, {limits: {maxSessionsPerUser: 2}});
		const here = await json(first!, 'alice');
		const elsewhere = await json(second!, 'alice');
		await vi.waitFor(async () => {
			expect(await jsonCommand(here, '/users')).toMatchObject({users: [{name: 'alice', sessions: 2}]});
		});
		const third = cluster.keep(await LineSocket.connect(first!.port));
		third.sendJson({type: 'login', id: 'login', user: 'alice', password: testUsers.alice});
		expect(await third.waitForEvent(event => event.type === 'error')).toMatchObject({code: 'too_many_sessions', message: 'you already have 2 sessions, the most allowed at once; end one and log in again'});
		// Another user is not affected.
		await json(first!, 'bob');
		elsewhere.sendJson({type: 'command', id: 'x', line: '/exit'});
		await elsewhere.waitForClose();
		await vi.waitFor(async () => {
			expect(await jsonCommand(here, '/users')).toMatchObject({users: expect.arrayContaining([{name: 'alice', sessions: 1}])});
		});
		third.sendJson({type: 'login', id: 'again', user: 'alice', password: testUsers.alice});
		await third.waitForEvent(event => event.type === 'login_ok');
	});

	it('a node that stops normally leaves at once: its users go offline on the others', async () => {
		const log = new RecordingLogger();
		const [staying] = await cluster.nodes(1, {logger: log});
		const [leaving] = await cluster.nodes(1);
		const bob = await json(staying!, 'bob');
		await json(leaving!, 'alice');
		expect(await bob.waitForEvent(event => event.type === 'presence')).toMatchObject({user: 'alice', online: true});
		await leaving!.close();
		expect(await bob.waitForEvent(event => event.type === 'presence')).toMatchObject({user: 'alice', online: false});
		await log.waitFor(entry => entry.event === 'node_left');
		expect(await jsonCommand(bob, '/users')).toMatchObject({text: '1 user online: bob'});
		expect(log.entries.filter(entry => entry.event === 'node_gone')).toEqual([]);
	});

	it('stores a DM for a user who is offline everywhere and hands it over at login on another node', async () => {
		const [first, second] = await cluster.nodes(2);
		const alice = await json(first!, 'alice');
		const stored = await jsonCommand(alice, '/msg carol are you there');
		expect(stored).toMatchObject({type: 'ok', stored: true, recipients: 0});
		const carol = cluster.keep(await loginJson(second!.port, 'carol', testUsers.carol));
		expect(await carol.waitForEvent(event => event.type === 'msg')).toMatchObject({from: 'alice', text: 'are you there', seq: 1});
		// Handed over once: a later login on the first node does not get it again.
		carol.destroy();
		const again = await json(first!, 'carol');
		const history = await jsonCommand(again, '/history @alice');
		expect(history).toMatchObject({messages: [{text: 'are you there'}]});
		expect(again.unread().filter(line => line.includes('"type":"msg"'))).toEqual([]);
	});

	it('history, read markers and resume work whichever node a client comes back to', async () => {
		const [first, second] = await cluster.nodes(2);
		const alice = await json(first!, 'alice');
		const bob = await json(second!, 'bob');
		for (let index = 1; index <= 5; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await jsonCommand(alice, `/msg bob m${index}`)).toMatchObject({type: 'ok'});
		}

		await bob.waitForEvent(event => event.type === 'msg' && event.text === 'm5');
		expect(await jsonCommand(bob, '/read @alice 3')).toMatchObject({type: 'ok', seq: 3});
		bob.destroy();
		await jsonCommand(alice, '/msg bob m6');

		const back = cluster.keep(await LineSocket.connect(first!.port));
		back.sendJson({type: 'hello', protocol: 2, client: 'test'});
		back.sendJson({type: 'login', id: 'login', user: 'bob', password: testUsers.bob, resume: {'@alice': 3}});
		// The read marker set on the other node is there at login.
		expect(await back.waitForEvent(event => event.type === 'login_ok')).toMatchObject({conversations: [{conversation: '@alice', last_seq: 6, read_seq: 3, unread: 3}, {conversation: '*'}]});
		const resumed: ServerEvent[] = [];
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const event = await back.nextEvent();
			if (event.type === 'resumed') {
				expect(event).toMatchObject({messages: 3, gaps: 0});
				break;
			}

			resumed.push(event);
		}

		expect(resumed.map(event => (event as ChatMessage).seq)).toEqual([4, 5, 6]);
		const history = await jsonCommand(back, '/history @alice 2');
		expect(history).toMatchObject({messages: [{seq: 5}, {seq: 6}], more: true});
		const summary = await jsonCommand(back, '/read @alice');
		expect(summary).toMatchObject({seq: 6});
	});

	it('a membership change on one node holds at once for sends from another', async () => {
		const [first, second] = await cluster.nodes(2);
		const alice = await json(first!, 'alice');
		const bob = await json(second!, 'bob');
		expect(await jsonCommand(alice, '/create_group ops')).toMatchObject({type: 'ok'});
		// Alice's node has read the members (just alice) before bob joins elsewhere.
		expect(await jsonCommand(alice, '/group_msg ops alone')).toMatchObject({type: 'ok', recipients: 0});
		expect(await jsonCommand(bob, '/join_group ops')).toMatchObject({type: 'ok'});
		await alice.waitForEvent(event => event.type === 'membership' && event.user === 'bob');
		expect(await jsonCommand(alice, '/group_msg ops welcome')).toMatchObject({type: 'ok', recipients: 1});
		expect(await bob.waitForEvent(event => event.type === 'group_msg')).toMatchObject({text: 'welcome', seq: 2});
		expect(await jsonCommand(bob, '/leave_group ops')).toMatchObject({type: 'ok'});
		await alice.waitForEvent(event => event.type === 'membership' && event.user === 'bob');
		expect(await jsonCommand(alice, '/group_msg ops gone')).toMatchObject({type: 'ok', recipients: 0});
		expect(await jsonCommand(bob, '/group_msg ops let me in')).toMatchObject({type: 'error', code: 'not_member'});
		expect(bob.unread().filter(line => line.includes('"type":"group_msg"'))).toEqual([]);
	});

	it('resume from before what the streams keep: a gap, then every kept message once', async () => {
		const [first, second] = await cluster.nodes(2, {historyMax: 10});
		const alice = await json(first!, 'alice');
		const bob = await json(second!, 'bob');
		expect(await jsonCommand(alice, '/create_group g')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(bob, '/join_group g')).toMatchObject({type: 'ok'});
		bob.destroy();
		for (let index = 1; index <= 250; index++) {
			alice.sendJson({type: 'command', id: `fill-${index}`, line: `/group_msg g m${index}`});
		}

		await alice.waitForEvent(event => event.type === 'ok' && event.id === 'fill-250');
		const back = await json(second!, 'bob', {'#g': 0});
		const gap = await back.waitForEvent<Extract<ServerEvent, {type: 'gap'}>>(event => event.type === 'gap');
		// XADD MAXLEN ~ 10 keeps at least 10, trimming whole stream nodes.
		expect(gap).toMatchObject({conversation: '#g', after: 0});
		expect(gap.before).toBeGreaterThan(1);
		expect(gap.before).toBeLessThanOrEqual(241);
		expect(gap.skipped).toBe(gap.before - 1);
		const seqs: number[] = [];
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const event = await back.nextEvent();
			if (event.type === 'resumed') {
				expect(event).toMatchObject({messages: 251 - gap.before, gaps: 1});
				break;
			}

			if (event.type === 'group_msg') {
				seqs.push(event.seq);
			}
		}

		expect(seqs).toEqual(Array.from({length: 251 - gap.before}, (_, index) => gap.before + index));
	});

	it('gives one group one order: every member on three nodes sees the same seqs, in seq order, under concurrent senders', async () => {
		const nodes = await cluster.nodes(3);
		const users: User[] = ['alice', 'bob', 'carol', 'dave'];
		const clients = await Promise.all(users.map(async (user, index) => json(nodes[index % 3]!, user)));
		expect(await jsonCommand(clients[0]!, '/create_group room')).toMatchObject({type: 'ok'});
		for (const client of clients.slice(1)) {
			// eslint-disable-next-line no-await-in-loop
			expect(await jsonCommand(client, '/join_group room')).toMatchObject({type: 'ok'});
		}

		const perSender = 30;
		const senders = clients.slice(0, 3);
		// Pipelined: each sender writes all its lines at once, so the nodes append concurrently.
		for (const [index, sender] of senders.entries()) {
			for (let count = 0; count < perSender; count++) {
				sender.sendJson({type: 'command', id: `g${index}-${count}`, line: `/group_msg room ${users[index]} ${count}`});
			}
		}

		const total = perSender * senders.length;
		// Each member's live events come in seq order; with its own messages (their ok replies) it has every seq once.
		const seen = await Promise.all(clients.map(async client => {
			const live: ChatMessage[] = [];
			const own: ChatMessage[] = [];
			while (live.length + own.length < total) {
				// eslint-disable-next-line no-await-in-loop
				const event = await client.waitForEvent(candidate => candidate.type === 'group_msg' || (candidate.type === 'ok' && candidate.command === 'group_msg'));
				if (event.type === 'ok') {
					own.push((event as {message: ChatMessage}).message);
				} else {
					live.push(event as ChatMessage);
				}
			}

			const liveSeqs = live.map(message => message.seq);
			expect(liveSeqs).toEqual([...liveSeqs].sort((a, b) => a - b));
			const all = [...live, ...own].sort((a, b) => a.seq - b.seq);
			expect(all.map(message => message.seq)).toEqual(Array.from({length: total}, (_, index) => index + 1));
			return all.map(message => message.text);
		}));
		// One order: seq n is the same message for every member, and each sender's messages keep the order it sent them.
		for (const order of seen) {
			expect(order).toEqual(seen[0]);
		}

		for (const user of users.slice(0, 3)) {
			const mine = seen[0]!.filter(text => text.startsWith(`${user} `)).map(text => Number(text.split(' ')[1]));
			expect(mine).toEqual(Array.from({length: perSender}, (_, count) => count));
		}
	});

	it('50 clients on 3 nodes exchange DMs: nothing lost, duplicated, misrouted or out of order', async () => {
		const names = Array.from({length: 50}, (_, index) => `u${String(index).padStart(2, '0')}`);
		const users = Object.fromEntries(names.map(name => [name, `pw-${name}`]));
		const nodes = await cluster.nodes(3, {users});
		const clients = await Promise.all(names.map(async (name, index) => cluster.keep(await loginJson(nodes[index % 3]!.port, name, users[name]!))));
		const offsets = [1, 7, 20];
		const each = 5;
		for (const [index, client] of clients.entries()) {
			for (let count = 0; count < each; count++) {
				for (const offset of offsets) {
					client.sendJson({type: 'command', id: `${index}-${offset}-${count}`, line: `/msg ${names[(index + offset) % 50]} ${names[index]} ${count}`});
				}
			}
		}

		await Promise.all(clients.map(async (client, index) => {
			const from = new Map<string, number[]>();
			let got = 0;
			let acked = 0;
			while (got < offsets.length * each || acked < offsets.length * each) {
				// eslint-disable-next-line no-await-in-loop
				const event = await client.waitForEvent(candidate => candidate.type === 'msg' || candidate.type === 'ok' || candidate.type === 'error');
				if (event.type === 'error') {
					throw new Error(`${names[index]} got ${JSON.stringify(event)}`);
				}

				if (event.type === 'ok') {
					acked++;
					continue;
				}

				const message = event as Extract<ChatMessage, {type: 'msg'}>;
				expect(message.to).toBe(names[index]);
				const [sender, count] = message.text.split(' ');
				expect(sender).toBe(message.from);
				from.set(sender!, [...(from.get(sender!) ?? []), Number(count)]);
				got++;
			}

			const expectedSenders = offsets.map(offset => names[(index - offset + 50) % 50]!).sort();
			expect([...from.keys()].sort()).toEqual(expectedSenders);
			for (const counts of from.values()) {
				expect(counts).toEqual([0, 1, 2, 3, 4]);
			}
		}));
		for (const client of clients) {
			expect(client.unread().filter(line => line.includes('"type":"msg"'))).toEqual([]);
		}
	}, 30_000);
});
