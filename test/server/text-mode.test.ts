import {beforeEach, describe, expect, it} from 'vitest';
import {commandSpecs, type ServerEvent} from '../../source/protocol/index.js';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {testUsers} from '../helpers/test-server.js';
import {oneClientOn3Nodes, oneNode, threeNodes, topologies, topologyFixture, twoNodes, type ChatEndpoint} from '../helpers/topologies.js';

const clock = String.raw`\[\d\d:\d\d:\d\d\]`;

// The same suite on one node and on clusters, clients spread over the nodes by a balancer.
describe.each(topologies(oneNode, twoNodes, threeNodes))('text mode, $name', topology => {
	const fixture = topologyFixture(topology);
	let server: ChatEndpoint;

	beforeEach(async () => {
		server = await fixture.start();
	});

	async function login(user: keyof typeof testUsers): Promise<LineSocket> {
		const client = await loginText(server.port, user, testUsers[user]);
		fixture.keep(client);
		return client;
	}

	it.skipIf(oneClientOn3Nodes(topology))('greets, prompts for the user name and password, and welcomes', async () => {
		const client = await LineSocket.connect(server.port);
		fixture.keep(client);
		expect(await client.next()).toMatch(/^natter \d+\.\d+\.\d+, protocol 2\. Log in, or send a JSON object for JSON mode\.$/);
		expect(await client.next()).toBe('Username:');
		client.send('Alice');
		expect(await client.next()).toBe('Password:');
		client.send('wonderland');
		expect(await client.next()).toBe('ok: welcome alice. 1 user online. Type /help for the commands.');
	});

	it.skipIf(oneClientOn3Nodes(topology))('accepts \\r\\n line ends (telnet)', async () => {
		const client = await LineSocket.connect(server.port);
		fixture.keep(client);
		await client.waitFor('Username:');
		client.write('bob\r\nbuilder\r\n/users\r\n');
		expect(await client.waitFor(/^ok: /)).toBe('ok: welcome bob. 1 user online. Type /help for the commands.');
		expect(await client.next()).toBe('ok: 1 user online: bob');
	});

	it.skipIf(oneClientOn3Nodes(topology))('answers a slash-command before login with "log in first" and prompts again', async () => {
		const client = await LineSocket.connect(server.port);
		fixture.keep(client);
		await client.waitFor('Username:');
		client.send('/users');
		expect(await client.next()).toBe('error: log in first');
		expect(await client.next()).toBe('Username:');
	});

	it.skipIf(oneClientOn3Nodes(topology))('says how many attempts are left after a wrong password, the same for an unknown user', async () => {
		const client = await LineSocket.connect(server.port);
		fixture.keep(client);
		await client.waitFor('Username:');
		client.send('alice');
		client.send('nope');
		expect(await client.waitFor(/^error:/)).toBe('error: invalid username or password (2 attempts left)');
		expect(await client.next()).toBe('Username:');
		client.send('nobody');
		client.send('nope');
		expect(await client.waitFor(/^error:/)).toBe('error: invalid username or password (1 attempt left)');
		expect(await client.next()).toBe('Username:');
		client.send('alice');
		client.send('wonderland');
		expect(await client.waitFor(/^ok:/)).toMatch(/^ok: welcome alice\./);
	});

	it('carries out every command with human replies and incoming lines', async () => {
		const alice = await login('alice');
		const bob = await login('bob');
		expect(await alice.next()).toBe('* bob is online');

		alice.send('/msg bob hello  bob ');
		expect(await alice.next()).toBe('ok: sent to bob');
		expect(await bob.next()).toMatch(new RegExp(`^${clock} \\[private\\] alice -> bob: hello  bob $`));

		bob.send('/broadcast hi all');
		expect(await bob.next()).toBe('ok: sent to 1 other user online');
		expect(await alice.next()).toMatch(new RegExp(`^${clock} \\[broadcast\\] bob: hi all$`));

		alice.send('/create_group dev');
		expect(await alice.next()).toBe('ok: created #dev; you are its first member');
		bob.send('/join_group DEV');
		expect(await bob.next()).toBe('ok: joined #dev');
		expect(await alice.next()).toMatch(new RegExp(`^${clock} \\[#dev\\] \\* bob joined$`));

		bob.send('/group_msg dev standup in 5');
		expect(await bob.next()).toBe('ok: sent to #dev (1 other member online)');
		expect(await alice.next()).toMatch(new RegExp(`^${clock} \\[#dev\\] bob: standup in 5$`));

		alice.send('/users');
		expect(await alice.next()).toBe('ok: 2 users online: alice, bob');
		alice.send('/groups');
		expect(await alice.next()).toBe('ok: 1 group: #dev (2 members, joined)');
		alice.send('/members dev');
		expect(await alice.next()).toBe('ok: #dev has 2 members: alice, bob');

		bob.send('/leave_group dev');
		expect(await bob.next()).toBe('ok: left #dev');
		expect(await alice.next()).toMatch(new RegExp(`^${clock} \\[#dev\\] \\* bob left$`));

		alice.send('/help');
		expect(await alice.next()).toBe('ok: commands:');
		const helpLines = [];
		for (let index = 0; index < commandSpecs.length; index++) {
			helpLines.push(await alice.next());
		}

		expect(helpLines.join('\n')).toMatch(/\/msg <user> <text>[\s\S]*\/exit/);
		alice.send('/help group_msg');
		expect(await alice.next()).toBe('ok: /group_msg <group> <text>: message every member of a group you are in');

		bob.send('/exit');
		expect(await bob.next()).toBe('ok: bye');
		expect(await bob.next()).toBe('bye: goodbye');
		await bob.waitForClose();
		expect(await alice.next()).toBe('* bob went offline');
	});

	it.skipIf(oneClientOn3Nodes(topology))('gives typed errors for bad and refused commands, in order', async () => {
		const alice = await login('alice');
		alice.send('hello there');
		alice.send('/nope');
		alice.send('/msg bob');
		alice.send('/msg b@d hi');
		alice.send('/msg zed hi');
		alice.send('/msg carol hi');
		alice.send('/join_group nope');
		alice.send('/group_msg nope hi');
		alice.send('/members nope');
		alice.send('/leave_group nope');
		alice.send(`/broadcast ${'x'.repeat(4001)}`);
		expect(await alice.next()).toBe('error: commands start with / (try /help)');
		expect(await alice.next()).toBe('error: unknown command /nope (try /help)');
		expect(await alice.next()).toBe('error: usage: /msg <user> <text>');
		expect(await alice.next()).toMatch(/^error: user name may only hold/);
		expect(await alice.next()).toBe('error: no user named zed');
		expect(await alice.next()).toBe('ok: carol is offline: stored, delivered when they next log in');
		expect(await alice.next()).toBe('error: no group named #nope (create it with /create_group nope)');
		expect(await alice.next()).toBe('error: no group named #nope');
		expect(await alice.next()).toBe('error: no group named #nope');
		expect(await alice.next()).toBe('error: no group named #nope');
		expect(await alice.next()).toBe('error: message is longer than 4000 characters');
	});

	it('strips control characters so nobody can drive another terminal', async () => {
		const alice = await login('alice');
		const bob = await login('bob');
		alice.send('/msg bob \u001B[2Jgotcha\u0007 \u202Eevil');
		expect(await bob.waitFor(/\[private\]/)).toMatch(/alice -> bob: \[2Jgotcha evil$/);
	});

	it('counts what a text session printed as read once it ends, so the unread counts elsewhere drop', async () => {
		const alice = await login('alice');
		const bob = await login('bob');
		alice.send('/create_group dev');
		await alice.waitFor(line => line.startsWith('ok: '));
		bob.send('/join_group dev');
		await bob.waitFor(line => line.startsWith('ok: '));
		alice.send('/group_msg dev hello');
		await bob.waitFor(line => line.endsWith('[#dev] alice: hello'));
		alice.send('/msg bob psst');
		await bob.waitFor(line => line.endsWith('[private] alice -> bob: psst'));
		const watcher = fixture.keep(await loginJson(server.port, 'bob', testUsers.bob));
		bob.send('/exit');
		const marked = new Map<string, number>();
		while (marked.size < 2) {
			// eslint-disable-next-line no-await-in-loop
			const event = await watcher.waitForEvent<Extract<ServerEvent, {type: 'read'}>>(event => event.type === 'read');
			marked.set(event.conversation, event.seq);
		}

		expect(Object.fromEntries(marked)).toEqual({'#dev': 1, '@alice': 1});
		alice.send('/group_msg dev while bob is away');
		await watcher.waitForEvent(event => event.type === 'group_msg');
		const again = fixture.keep(await loginJson(server.port, 'bob', testUsers.bob));
		const loginOk = again.lines.map(line => (line.startsWith('{') ? JSON.parse(line) as ServerEvent : undefined)).find(event => event?.type === 'login_ok');
		expect(loginOk).toMatchObject({conversations: expect.arrayContaining([
			expect.objectContaining({conversation: '#dev', unread: 1}),
			expect.objectContaining({conversation: '@alice', unread: 0}),
		]) as unknown});
	});
});
