import {afterEach, describe, expect, it} from 'vitest';
import {ChatConnection, ConnectError} from '../../source/client/connection.js';
import type {ServerEvent} from '../../source/protocol/index.js';
import {jsonCommand, LineSocket, loginJson} from '../helpers/line-socket.js';
import {startTestServer, testUsers, type TestServer} from '../helpers/test-server.js';

let server: TestServer | undefined;
const closers: Array<() => void> = [];

afterEach(async () => {
	for (const close of closers.splice(0)) {
		close();
	}

	await server?.close();
	server = undefined;
});

/** `count` resume points of groups nobody is in, with names as long as names go. */
function strangers(count: number, from = 0): Record<string, number> {
	return Object.fromEntries(Array.from({length: count}, (_, index) => [`#no-such-group-of-long-name-${String(from + index).padStart(4, '0')}`, 123_456]));
}

async function twoGroupsWithHistory(port: number): Promise<void> {
	const alice = await loginJson(port, 'alice', testUsers.alice);
	const bob = await loginJson(port, 'bob', testUsers.bob);
	closers.push(() => {
		alice.close();
	}, () => {
		bob.close();
	});
	for (const group of ['first', 'last']) {
		expect(await jsonCommand(alice, `/create_group ${group}`)).toMatchObject({type: 'ok'});
		expect(await jsonCommand(bob, `/join_group ${group}`)).toMatchObject({type: 'ok'});
		for (const text of ['one', 'two', 'three']) {
			expect(await jsonCommand(alice, `/group_msg ${group} ${group} ${text}`)).toMatchObject({type: 'ok'});
		}
	}

	bob.close();
}

describe('resume points too many for one line', () => {
	it('go over several hellos: a client naming 1000 conversations gets exactly what it missed', async () => {
		server = await startTestServer();
		await twoGroupsWithHistory(server.port);
		const events: ServerEvent[] = [];
		const resume = {'#first': 1, ...strangers(998), '#last': 0};
		const connection = await ChatConnection.open({host: server.host, port: server.port, user: 'bob', password: testUsers.bob, resume, onEvent(event) {
			events.push(event);
		}});
		closers.push(() => {
			connection.close();
		});
		await new Promise<void>(resolve => {
			const check = () => {
				if (events.some(event => event.type === 'resumed')) {
					resolve();
				} else {
					connection.once('event', check);
				}
			};

			check();
		});
		expect(events.filter(event => event.type === 'welcome').length).toBeGreaterThan(1);
		expect(events.filter(event => event.type === 'error')).toEqual([]);
		const missed = events.flatMap(event => (event.type === 'group_msg' ? [`${event.group} ${event.seq} ${event.text}`] : []));
		expect(missed).toEqual(['first 2 first two', 'first 3 first three', 'last 1 last one', 'last 2 last two', 'last 3 last three']);
		expect(events.find(event => event.type === 'resumed')).toEqual({type: 'resumed', messages: 5, gaps: 0});
	});

	it('past 1000 in all, the hello that goes over is refused and the client says so instead of logging in without them', async () => {
		server = await startTestServer();
		const error = await ChatConnection.open({host: server.host, port: server.port, user: 'bob', password: testUsers.bob, resume: strangers(1001)}).catch((error: unknown) => error);
		expect(error).toBeInstanceOf(ConnectError);
		expect((error as ConnectError).message).toBe('the server refused the hello: "resume" may name at most 1000 conversations, counting every hello');
	});

	it('a raw client that sends too many over several hellos gets bad_request, and keeps the points it had', async () => {
		server = await startTestServer();
		await twoGroupsWithHistory(server.port);
		const bob = await LineSocket.connect(server.port);
		closers.push(() => {
			bob.close();
		});
		bob.sendJson({type: 'hello', protocol: 2, resume: {'#last': 2, ...strangers(99)}});
		for (let from = 99; from < 999; from += 100) {
			bob.sendJson({type: 'hello', protocol: 2, resume: strangers(100, from)});
		}

		bob.sendJson({type: 'hello', protocol: 2, resume: {'#first': 0}});
		expect(await bob.waitForEvent(event => event.type === 'error')).toEqual({type: 'error', code: 'bad_request', message: '"resume" may name at most 1000 conversations, counting every hello'});
		bob.sendJson({type: 'login', id: 'login', user: 'bob', password: testUsers.bob});
		expect(await bob.waitForEvent(event => event.type === 'group_msg')).toMatchObject({group: 'last', seq: 3});
		expect(await bob.waitForEvent(event => event.type === 'resumed')).toEqual({type: 'resumed', messages: 1, gaps: 0});
	});
});
