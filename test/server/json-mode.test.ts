import {beforeEach, describe, expect, it, vi} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {ChatConnection} from '../../source/client/connection.js';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {testUsers} from '../helpers/test-server.js';
import {oneClientOn3Nodes, oneNode, threeNodes, topologies, topologyFixture, twoNodes, type ChatEndpoint} from '../helpers/topologies.js';

const isoTs = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

// The same suite on one node and on clusters, clients spread over the nodes by a balancer.
describe.each(topologies(oneNode, twoNodes, threeNodes))('JSON mode, $name', topology => {
	const fixture = topologyFixture(topology);
	let server: ChatEndpoint;

	beforeEach(async () => {
		server = await fixture.start();
	});

	async function login(user: keyof typeof testUsers): Promise<LineSocket> {
		const client = await loginJson(server.port, user, testUsers[user]);
		fixture.keep(client);
		return client;
	}

	async function connect(): Promise<LineSocket> {
		const client = await LineSocket.connect(server.port);
		fixture.keep(client);
		return client;
	}

	it.skipIf(oneClientOn3Nodes(topology))('switches on the first {, ends the prompt line, then welcomes', async () => {
		const client = await connect();
		client.sendJson({type: 'hello', protocol: 2, client: 'test'});
		expect(await client.next()).toMatch(/^natter .*protocol 2/);
		expect(await client.next()).toBe('Username:');
		// The newline the server writes ends the prompt line: it comes back as an empty line.
		expect(await client.next()).toBe('');
		expect(JSON.parse(await client.next())).toEqual({type: 'welcome', protocol: 2, server: 'natter', version: expect.any(String)});
		client.sendJson({type: 'login', id: 7, user: 'Alice', password: 'wonderland'});
		expect(JSON.parse(await client.next())).toEqual({type: 'login_ok', id: 7, user: 'alice', text: 'welcome alice. 1 user online. Type /help for the commands.', conversations: [{conversation: '*', last_seq: 0, read_seq: 0, unread: 0}]});
	});

	it.skipIf(oneClientOn3Nodes(topology))('accepts login as the very first line', async () => {
		const client = await connect();
		client.sendJson({type: 'login', id: 'l', user: 'bob', password: 'builder'});
		expect(await client.nextEvent()).toMatchObject({type: 'welcome'});
		expect(await client.nextEvent()).toMatchObject({type: 'login_ok', id: 'l', user: 'bob'});
	});

	it('sends presence only to JSON sessions that asked for it in hello', async () => {
		const quiet = await connect();
		quiet.sendJson({type: 'login', id: 'l', user: 'carol', password: testUsers.carol});
		await quiet.waitForEvent(event => event.type === 'login_ok');
		const watcher = await login('alice');
		const bob = await login('bob');
		expect(await watcher.nextEvent()).toMatchObject({type: 'presence', user: 'bob', online: true});
		bob.sendJson({type: 'command', id: 1, line: '/exit'});
		await bob.waitForClose();
		expect(await watcher.nextEvent()).toMatchObject({type: 'presence', user: 'bob', online: false});
		// carol heard neither: the next thing she reads is the reply to her own command.
		quiet.sendJson({type: 'command', id: 2, line: '/users'});
		expect(await quiet.nextEvent()).toMatchObject({type: 'ok', id: 2, command: 'users'});
	});

	it.skipIf(oneClientOn3Nodes(topology))('refuses commands before login and a second login after it', async () => {
		const client = await connect();
		client.sendJson({type: 'command', id: 1, line: '/users'});
		expect(await client.waitForEvent(event => event.type === 'error')).toEqual({type: 'error', id: 1, code: 'not_logged_in', message: 'log in first'});
		client.sendJson({type: 'login', id: 2, user: 'bob', password: 'builder'});
		await client.waitForEvent(event => event.type === 'login_ok');
		client.sendJson({type: 'login', id: 3, user: 'alice', password: 'wonderland'});
		expect(await client.nextEvent()).toMatchObject({type: 'error', id: 3, code: 'already_logged_in'});
	});

	it.skipIf(oneClientOn3Nodes(topology))('answers ping, a later hello, bad JSON, bad requests and another protocol version', async () => {
		const client = await login('alice');
		client.sendJson({type: 'ping', id: 'p'});
		expect(await client.nextEvent()).toEqual({type: 'pong', id: 'p', ts: isoTs});
		client.sendJson({type: 'hello'});
		expect(await client.nextEvent()).toMatchObject({type: 'welcome', protocol: 2});
		client.send('{not json');
		expect(await client.nextEvent()).toMatchObject({type: 'error', code: 'bad_json'});
		client.sendJson({type: 'dance', id: 4});
		expect(await client.nextEvent()).toMatchObject({type: 'error', id: 4, code: 'bad_request'});
		client.send('[1,2]');
		expect(await client.nextEvent()).toMatchObject({type: 'error', code: 'bad_request'});
		client.sendJson({type: 'hello', protocol: 1});
		expect(await client.nextEvent()).toMatchObject({type: 'error', code: 'unsupported_protocol', message: expect.stringContaining('this server speaks protocol 2, not 1')});
	});

	it('carries out every command with typed replies and events', async () => {
		const alice = await login('alice');
		const bob = await login('bob');
		expect(await alice.nextEvent()).toEqual({type: 'presence', user: 'bob', online: true, ts: isoTs});

		alice.sendJson({type: 'command', id: 1, line: '/msg bob hi bob'});
		const sent = await alice.nextEvent();
		const message = {type: 'msg', msgid: expect.stringMatching(/^[0-9A-Z]{26}$/), seq: 1, ts: isoTs, from: 'alice', to: 'bob', text: 'hi bob'};
		expect(sent).toEqual({type: 'ok', id: 1, command: 'msg', text: 'sent to bob', message, recipients: 1});
		expect(await bob.nextEvent()).toEqual((sent as {message: unknown}).message);

		bob.sendJson({type: 'command', id: 2, line: '/broadcast all hands'});
		expect(await bob.nextEvent()).toMatchObject({type: 'ok', id: 2, command: 'broadcast', recipients: 1});
		expect(await alice.nextEvent()).toEqual({type: 'broadcast', msgid: expect.any(String), seq: 1, ts: isoTs, from: 'bob', text: 'all hands'});

		alice.sendJson({type: 'command', id: 3, line: '/create_group dev'});
		expect(await alice.nextEvent()).toMatchObject({type: 'ok', id: 3, command: 'create_group', group: 'dev'});
		bob.sendJson({type: 'command', id: 4, line: '/join_group dev'});
		expect(await bob.nextEvent()).toMatchObject({type: 'ok', id: 4, command: 'join_group', group: 'dev'});
		expect(await alice.nextEvent()).toEqual({type: 'membership', group: 'dev', user: 'bob', joined: true, ts: isoTs});

		bob.sendJson({type: 'command', id: 5, line: '/group_msg dev ship it'});
		expect(await bob.nextEvent()).toMatchObject({type: 'ok', id: 5, command: 'group_msg', recipients: 1, message: {type: 'group_msg', group: 'dev', from: 'bob', text: 'ship it'}});
		expect(await alice.nextEvent()).toEqual({type: 'group_msg', msgid: expect.any(String), seq: 1, ts: isoTs, from: 'bob', group: 'dev', text: 'ship it'});

		alice.sendJson({type: 'command', id: 6, line: '/users'});
		expect(await alice.nextEvent()).toMatchObject({id: 6, command: 'users', users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 1}]});
		alice.sendJson({type: 'command', id: 7, line: '/groups'});
		expect(await alice.nextEvent()).toMatchObject({id: 7, command: 'groups', groups: [{name: 'dev', members: 2, joined: true}]});
		alice.sendJson({type: 'command', id: 8, line: '/members dev'});
		expect(await alice.nextEvent()).toMatchObject({id: 8, command: 'members', group: 'dev', members: [{name: 'alice', online: true}, {name: 'bob', online: true}]});
		alice.sendJson({type: 'command', id: 9, line: '/help'});
		expect(await alice.nextEvent()).toMatchObject({id: 9, command: 'help', text: expect.stringContaining('/members <group>')});

		bob.sendJson({type: 'command', id: 10, line: '/leave_group dev'});
		expect(await bob.nextEvent()).toMatchObject({id: 10, command: 'leave_group', group: 'dev'});
		expect(await alice.nextEvent()).toMatchObject({type: 'membership', user: 'bob', joined: false});

		bob.sendJson({type: 'command', id: 11, line: '/exit'});
		expect(await bob.nextEvent()).toEqual({type: 'ok', id: 11, command: 'exit', text: 'bye'});
		expect(await bob.nextEvent()).toEqual({type: 'bye', reason: 'exit', text: 'goodbye'});
		await bob.waitForClose();
		expect(await alice.nextEvent()).toEqual({type: 'presence', user: 'bob', online: false, ts: isoTs});
	});

	it('answers every error code a command can get, with its id and command', async () => {
		const alice = await login('alice');
		const expected: Array<[string, Partial<ServerEvent>]> = [
			['/msg zed hi', {code: 'unknown_user', command: 'msg'}],
			['/join_group nope', {code: 'no_such_group', command: 'join_group'}],
			['/members nope', {code: 'no_such_group', command: 'members'}],
			['/create_group dev', {type: 'ok'}],
			['/create_group dev', {code: 'group_exists', command: 'create_group'}],
			['/join_group dev', {code: 'already_member', command: 'join_group'}],
			['/msg', {code: 'usage'}],
			['/frobnicate', {code: 'unknown_command'}],
			['hi', {code: 'not_a_command'}],
			['/join_group -bad', {code: 'invalid_name'}],
			[`/broadcast ${'y'.repeat(4001)}`, {code: 'text_too_long'}],
		];
		for (const [index, [line]] of expected.entries()) {
			alice.sendJson({type: 'command', id: index, line});
		}

		for (const [index, [, fields]] of expected.entries()) {
			expect(await alice.nextEvent()).toMatchObject({id: index, ...fields});
		}

		const bob = await login('bob');
		bob.sendJson({type: 'command', id: 'x', line: '/group_msg dev hi'});
		expect(await bob.nextEvent()).toMatchObject({type: 'error', id: 'x', code: 'not_member', command: 'group_msg'});
		bob.sendJson({type: 'command', id: 'y', line: '/leave_group dev'});
		expect(await bob.nextEvent()).toMatchObject({type: 'error', id: 'y', code: 'not_member', command: 'leave_group'});
	});

	it.skipIf(oneClientOn3Nodes(topology))('gives a JSON login failure auth_failed, the same for an unknown user', async () => {
		const client = await connect();
		client.sendJson({type: 'login', id: 1, user: 'alice', password: 'wrong'});
		expect(await client.waitForEvent(event => event.type === 'error')).toEqual({type: 'error', id: 1, code: 'auth_failed', message: 'invalid username or password (2 attempts left)'});
		client.sendJson({type: 'login', id: 2, user: 'nobody', password: 'wrong'});
		expect(await client.nextEvent()).toEqual({type: 'error', id: 2, code: 'auth_failed', message: 'invalid username or password (1 attempt left)'});
	});

	it('works with the shared ChatConnection client, across text and JSON sessions of one user', async () => {
		const connection = await ChatConnection.open({host: server.host, port: server.port, user: 'carol', password: 'christmas'});
		const text = await loginText(server.port, 'carol', 'christmas');
		fixture.keep(text);
		const events: ServerEvent[] = [];
		connection.on('event', event => events.push(event));
		expect(await connection.request('/users')).toMatchObject({type: 'ok', users: [{name: 'carol', sessions: 2}]});
		await connection.request('/broadcast from json');
		expect(await text.waitFor(/\[broadcast\]/)).toMatch(/carol: from json$/);
		text.send('/msg carol from text');
		await text.waitFor('ok: sent to yourself');
		await vi.waitFor(() => {
			expect(events).toContainEqual(expect.objectContaining({type: 'msg', text: 'from text'}));
		});
		await connection.close();
	});
});
