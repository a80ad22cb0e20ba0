import {writeFile} from 'node:fs/promises';
import {duplexPair} from 'node:stream';
import bcrypt from 'bcryptjs';
import {describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {LineSocket, loginJson} from '../helpers/line-socket.js';
import {RecordingLogger} from '../helpers/recording-logger.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {testUsers, usersFileText, type TestServer} from '../helpers/test-server.js';
import {AccountThrottle} from '../../server/net/account-throttle.js';
import {addressKey, AddressLimits} from '../../server/net/address-limits.js';

const fixture = serverFixture();

/** A client of `server` as if it connected from `remote` (an in-process stream: any address can be played). */
function from(server: TestServer, remote: string): LineSocket {
	const [client, served] = duplexPair();
	server.server.handle(served, remote);
	return fixture.keep(new LineSocket(client));
}

async function connect(port: number): Promise<LineSocket> {
	return fixture.keep(await LineSocket.connect(port));
}

function isError(code: string) {
	return (event: ServerEvent) => event.type === 'error' && event.code === code;
}

/** A server whose user `slow` has a cost-12 hash (~250 ms a check): login checks queue up. */
async function slowServer(options: Parameters<typeof fixture.start>[0] = {}): Promise<TestServer> {
	const server = await fixture.start({authWorkers: 1, ...options});
	await writeFile(server.usersFile, `${usersFileText(testUsers)}slow:${bcrypt.hashSync('slowpoke', 12)}\n`);
	await server.server.reloadUsers();
	return server;
}

const wrongLogin = {type: 'login', id: 'login', user: 'slow', password: 'wrong'};

describe('login checks are bounded (hole 1)', () => {
	it('answers busy at once past the server-wide queue bound, and logs it once for the burst', async () => {
		const logger = new RecordingLogger();
		const server = await slowServer({logger, limits: {maxQueuedLogins: 3, accountMaxFailures: 0}});
		const clients = await Promise.all(Array.from({length: 10}, async () => connect(server.port)));
		for (const client of clients) {
			client.sendJson(wrongLogin);
		}

		const replies = await Promise.all(clients.map(async client => client.waitForEvent(event => event.type === 'error')));
		const codes = replies.map(reply => (reply.type === 'error' ? reply.code : reply.type));
		// One check runs, three wait; the other six are told at once instead of waiting seconds.
		expect(codes.filter(code => code === 'busy')).toHaveLength(6);
		expect(codes.filter(code => code === 'auth_failed')).toHaveLength(4);
		expect(replies.find(isError('busy'))).toMatchObject({message: 'the server is busy checking logins; try again in a moment'});
		expect(logger.entries.filter(entry => entry.event === 'login_busy')).toHaveLength(1);
		// A busy login keeps its connection: once the queue has drained, it tries again and gets in.
		const turnedAway = clients[codes.indexOf('busy')]!;
		turnedAway.sendJson({type: 'login', id: 'again', user: 'alice', password: 'wonderland'});
		await turnedAway.waitForEvent(event => event.type === 'login_ok');
	});

	it('drops the waiting check of a client that hung up: only the checks of clients still there run', async () => {
		const logger = new RecordingLogger();
		const server = await slowServer({logger, limits: {accountMaxFailures: 0}});
		const first = await connect(server.port);
		first.sendJson(wrongLogin);
		await logger.waitFor(entry => entry.event === 'connect');
		// 20 hit-and-run logins: sent, then the client shuts its side at once (RST or FIN alike).
		const runners = await Promise.all(Array.from({length: 20}, async () => connect(server.port)));
		for (const [index, runner] of runners.entries()) {
			runner.sendJson(wrongLogin);
			if (index % 2 === 0) {
				runner.close();
			} else {
				runner.destroy();
			}
		}

		const started = performance.now();
		const real = await connect(server.port);
		real.sendJson({type: 'login', id: 'login', user: 'slow', password: 'slowpoke'});
		await real.waitForEvent(event => event.type === 'login_ok');
		const realMs = performance.now() - started;
		// The real login waited for at most the one check already running, not 20 × 250 ms.
		expect(logger.entries.filter(entry => entry.event === 'login_failed').length).toBeLessThanOrEqual(2);
		expect(realMs).toBeLessThan(2500);
	});

	it('keeps the login clock running while a check waits for a worker: the ones too far back time out unchecked', async () => {
		const logger = new RecordingLogger();
		const server = await slowServer({logger, loginTimeoutMs: 400, limits: {accountMaxFailures: 0}});
		const clients = await Promise.all(Array.from({length: 8}, async () => connect(server.port)));
		for (const client of clients) {
			client.sendJson(wrongLogin);
		}

		const outcomes = await Promise.all(clients.map(async client => client.waitForEvent(event => event.type === 'bye' || event.type === 'error')));
		const timedOut = outcomes.filter(event => event.type === 'bye' && event.reason === 'login_timeout');
		expect(timedOut.length).toBeGreaterThan(0);
		// Each of those checks was dropped before it cost any bcrypt time.
		expect(logger.entries.filter(entry => entry.event === 'login_failed').length).toBe(8 - timedOut.length);
	});

	it('bounds the checks one address may have waiting (per address, loopback exempt by default)', async () => {
		const server = await slowServer({limits: {maxPendingLoginsPerAddress: 2, accountMaxFailures: 0}});
		const guesser = Array.from({length: 5}, () => from(server, '203.0.113.7'));
		for (const client of guesser) {
			client.sendJson(wrongLogin);
		}

		const replies = await Promise.all(guesser.map(async client => client.waitForEvent(event => event.type === 'error')));
		expect(replies.filter(isError('busy'))).toHaveLength(3);
		expect(replies.find(isError('busy'))).toMatchObject({message: 'too many logins from your address are being checked; try again in a moment'});
		// Someone else is not held back by that address's bound.
		const other = from(server, '198.51.100.2');
		other.sendJson({type: 'login', id: 'login', user: 'alice', password: 'wonderland'});
		await other.waitForEvent(event => event.type === 'login_ok');
	});

	it('throttles guesses per account: a guesser locks out only its own address, many guessers every new address, never one the user logged in from', async () => {
		const server = await fixture.start();
		const home = from(server, '198.51.100.20');
		home.sendJson({type: 'login', id: 'login', user: 'alice', password: 'wonderland'});
		await home.waitForEvent(event => event.type === 'login_ok');
		home.destroy();

		const guess = async (address: string, user = 'alice', password = 'guess') => {
			const client = from(server, address);
			client.sendJson({type: 'login', id: 1, user, password});
			const reply = await client.waitForEvent(event => event.type === 'error' || event.type === 'login_ok');
			client.destroy();
			return reply;
		};

		// One guesser: three failures, then its own address is refused, even with the right password.
		for (let index = 0; index < 3; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await guess('203.0.113.1')).toMatchObject({code: 'auth_failed'});
		}

		expect(await guess('203.0.113.1', 'alice', 'wonderland')).toMatchObject({code: 'throttled', message: expect.stringMatching(/^too many failed logins for this account; try again in \d+ s/) as string});
		// The real user, from an address new to the account (a phone, a trip), is not locked out by it.
		expect(await guess('198.51.100.77', 'alice', 'wonderland')).toMatchObject({type: 'login_ok'});

		// Guessing spread over ten addresses (30 failures a minute) locks every address new to the account...
		for (let address = 2; address <= 10; address++) {
			for (let index = 0; index < 3; index++) {
				// eslint-disable-next-line no-await-in-loop
				expect(await guess(`203.0.113.${address}`)).toMatchObject({code: 'auth_failed'});
			}
		}

		expect(await guess('198.51.100.99', 'alice', 'wonderland')).toMatchObject({code: 'throttled'});
		// ...but not where the user logged in before.
		expect(await guess('198.51.100.20', 'alice', 'wonderland')).toMatchObject({type: 'login_ok'});
		expect(await guess('198.51.100.77', 'alice', 'wonderland')).toMatchObject({type: 'login_ok'});

		// An unknown name is throttled the same way (the throttle tells nothing about who exists).
		for (let index = 0; index < 3; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await guess('203.0.113.50', 'nobody')).toMatchObject({code: 'auth_failed'});
		}

		expect(await guess('203.0.113.50', 'nobody')).toMatchObject({code: 'throttled'});
	});

	it('AccountThrottle: refuses for at most the window, then lets the account be tried again', () => {
		let now = 0;
		const throttle = new AccountThrottle({maxFailures: 3, windowMs: 60_000, now: () => now});
		for (const at of [0, 10_000, 20_000]) {
			now = at;
			expect(throttle.wait('alice', 'x')).toBe(0);
			throttle.fail('alice', 'x');
		}

		now = 30_000;
		expect(throttle.wait('alice', 'x')).toBe(30_000);
		// Another address is not held back by x's failures.
		expect(throttle.wait('alice', 'y')).toBe(0);
		now = 60_000;
		expect(throttle.wait('alice', 'x')).toBe(0);
		throttle.succeed('alice', 'home');
		throttle.fail('alice', 'home');
		expect(throttle.wait('alice', 'home')).toBe(0);
	});

	it('AccountThrottle: failures from many addresses hold back every unknown address until the oldest leaves the window', () => {
		let now = 0;
		const throttle = new AccountThrottle({maxFailures: 3, windowMs: 60_000, now: () => now});
		throttle.succeed('alice', 'home');
		for (let index = 0; index < 29; index++) {
			now = index * 1000;
			throttle.fail('alice', `guesser-${index % 10}`);
		}

		expect(throttle.wait('alice', 'new')).toBe(0);
		throttle.fail('alice', 'guesser-9');
		expect(throttle.wait('alice', 'new')).toBe(60_000 - 28_000);
		expect(throttle.wait('alice', 'home')).toBe(0);
		now = 60_000;
		expect(throttle.wait('alice', 'new')).toBe(0);
	});
});

describe('connections per address are capped (hole 2)', () => {
	it('refuses the connection past the concurrent cap with one bye line, logs the burst once, and admits again after a close', async () => {
		const logger = new RecordingLogger();
		const server = await fixture.start({logger, limits: {maxConnectionsPerAddress: 3}});
		const held = Array.from({length: 3}, () => from(server, '203.0.113.50'));
		await Promise.all(held.map(async client => client.waitFor('Username:')));
		const refused = Array.from({length: 10}, () => from(server, '203.0.113.50'));
		for (const client of refused) {
			expect(await client.nextEvent()).toEqual({type: 'bye', reason: 'too_many_connections', text: 'too many connections from your address (at most 3 at once); close one and try again'});
			await client.waitForClose();
		}

		expect(logger.entries.filter(entry => entry.event === 'connection_refused')).toHaveLength(1);
		// Another address is not affected; a closed connection frees its place.
		await from(server, '198.51.100.50').waitFor('Username:');
		held[0]!.close();
		await logger.waitFor(entry => entry.event === 'disconnect' && entry.fields['conn'] === 1);
		await from(server, '203.0.113.50').waitFor('Username:');
	});

	it('refuses past the new-connection rate of an address', async () => {
		const server = await fixture.start({limits: {newConnectionsPerAddress: 4}});
		for (let index = 0; index < 4; index++) {
			const client = from(server, '2001:db8:1:2::10');
			await client.waitFor('Username:');
			client.destroy();
		}

		// Another host of the same IPv6 /64 counts as the same address.
		const fifth = from(server, '2001:db8:1:2::99');
		expect(await fifth.nextEvent()).toMatchObject({type: 'bye', reason: 'too_many_connections', text: expect.stringContaining('at most 4 per 10 min') as string});
	});

	it('exempts loopback by default, and not when told', async () => {
		const exempt = await fixture.start({limits: {maxConnectionsPerAddress: 2}});
		const clients = await Promise.all(Array.from({length: 5}, async () => connect(exempt.port)));
		await Promise.all(clients.map(async client => client.waitFor('Username:')));

		const strict = await fixture.start({limits: {maxConnectionsPerAddress: 2, exemptAddresses: []}});
		await (await connect(strict.port)).waitFor('Username:');
		await (await connect(strict.port)).waitFor('Username:');
		const third = await connect(strict.port);
		expect(await third.nextEvent()).toMatchObject({type: 'bye', reason: 'too_many_connections'});
	});

	it('addressKey: IPv4-mapped is IPv4, IPv6 counts by /64; AddressLimits forgets nothing it still needs', () => {
		expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
		expect(addressKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
		expect(addressKey('2001:DB8::1')).toBe('2001:db8:0:0::/64');
		const limits = new AddressLimits({maxConnections: 1, newConnections: 0, windowMs: 1000, rate: 0, burst: 1, maxPendingLogins: 0, exempt: [], maxAddresses: 2});
		const first = limits.admit('192.0.2.1');
		expect(first.ok).toBe(true);
		for (let index = 2; index < 50; index++) {
			expect(limits.admit(`192.0.2.${index}`).ok).toBe(true);
		}

		// The held connection's address is still counted, however many others came and went.
		expect(limits.admit('192.0.2.1').ok).toBe(false);
	});
});

describe('groups are bounded and listings paged (hole 3)', () => {
	it('caps groups per user and in total with too_many_groups', async () => {
		const server = await fixture.start({rate: 0, data: ':memory:', limits: {maxGroupsPerUser: 3, maxGroups: 5}});
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		const bob = fixture.keep(await loginJson(server.port, 'bob', 'builder'));
		const run = async (client: LineSocket, line: string) => {
			client.sendJson({type: 'command', id: line, line});
			return client.waitForEvent(event => 'id' in event && event.id === line);
		};

		for (const group of ['a1', 'a2', 'a3']) {
			expect(await run(alice, `/create_group ${group}`)).toMatchObject({type: 'ok'});
		}

		expect(await run(alice, '/create_group a4')).toMatchObject({code: 'too_many_groups', message: 'you are in 3 groups, the most allowed; leave one first'});
		expect(await run(alice, '/create_group b1')).toMatchObject({code: 'too_many_groups'});
		expect(await run(bob, '/create_group b1')).toMatchObject({type: 'ok'});
		expect(await run(bob, '/create_group b2')).toMatchObject({type: 'ok'});
		expect(await run(bob, '/create_group b3')).toMatchObject({code: 'too_many_groups', message: 'the server holds 5 groups, the most it allows; join one of them (/groups)'});
		expect(await run(bob, '/join_group a1')).toMatchObject({type: 'ok'});
		expect(await run(bob, '/join_group a2')).toMatchObject({code: 'too_many_groups'});
		// At the cap, a group one is already in, or one that does not exist, gets its own answer.
		expect(await run(bob, '/join_group b1')).toMatchObject({code: 'already_member'});
		expect(await run(bob, '/join_group zz')).toMatchObject({code: 'no_such_group'});
	});

	it('pages /groups (yours first) and /members, so no reply can get its own reader dropped', async () => {
		const users = Object.fromEntries(Array.from({length: 250}, (_, index) => [`u${index}`, 'pw']));
		const server = await fixture.start({rate: 0, data: ':memory:', users: {...testUsers, ...users}, maxOutboundBytes: 64 * 1024, limits: {maxGroupsPerUser: 0}});
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		for (let index = 0; index < 250; index++) {
			alice.sendJson({type: 'command', id: index, line: `/create_group g${String(index).padStart(3, '0')}`});
		}

		await alice.waitForEvent(event => 'id' in event && event.id === 249);
		for (let index = 0; index < 100; index++) {
			alice.sendJson({type: 'command', id: `l${index}`, line: `/leave_group g${String(index).padStart(3, '0')}`});
		}

		await alice.waitForEvent(event => 'id' in event && event.id === 'l99');
		const bob = fixture.keep(await loginJson(server.port, 'bob', 'builder'));
		bob.sendJson({type: 'command', id: 'j', line: '/join_group g200'});
		await bob.waitForEvent(event => 'id' in event && event.id === 'j');
		bob.sendJson({type: 'command', id: 'p1', line: '/groups'});
		const line = await bob.waitFor(candidate => candidate.includes('"id":"p1"'));
		const first = JSON.parse(line) as {groups: Array<{name: string; joined: boolean}>; page: number; pages: number; total: number; text: string};
		expect(first).toMatchObject({page: 1, pages: 2, total: 150});
		expect(first.groups).toHaveLength(100);
		expect(first.groups[0]).toMatchObject({name: 'g200', joined: true});
		expect(first.text).toMatch(/^150 groups \(page 1 of 2; next: \/groups 2\): #g200 \(2 members, joined\), #g100/);
		expect(line.length).toBeLessThan(16 * 1024);
		bob.sendJson({type: 'command', id: 'p2', line: '/groups g2 2'});
		expect(await bob.waitForEvent(event => 'id' in event && event.id === 'p2')).toMatchObject({filter: 'g2', page: 1, pages: 1, total: 50});

		for (let index = 0; index < 250; index++) {
			const user = fixture.keep(await loginJson(server.port, `u${index}`, 'pw'));
			user.sendJson({type: 'command', id: 'j', line: '/join_group g150'});
			await user.waitForEvent(event => 'id' in event && event.id === 'j');
			user.destroy();
		}

		bob.sendJson({type: 'command', id: 'm2', line: '/members g150 2'});
		const members = await bob.waitForEvent(event => 'id' in event && event.id === 'm2');
		expect(members).toMatchObject({command: 'members', page: 2, pages: 2, total: 251});
		expect((members as unknown as {members: unknown[]}).members).toHaveLength(51);
	});
});

describe('every line is charged (hole 5)', () => {
	it('closes a connection that is not logged in after a few errors: bye excess_flood', async () => {
		const server = await fixture.start({rate: 0});
		const client = await connect(server.port);
		client.write('{"type":"hello"}\n');
		client.write('{not json\n'.repeat(50));
		expect(await client.waitForEvent(event => event.type === 'bye')).toEqual({type: 'bye', reason: 'excess_flood', text: '10 lines answered with an error before login'});
		await client.waitForClose();
		expect(client.lines.filter(line => line.includes('"bad_json"'))).toHaveLength(10);
	});

	it('charges lines answered with an error (invalid UTF-8, too long) to the flood bucket', async () => {
		const server = await fixture.start({rate: 1, burst: 3, limits: {maxRefusedInARow: 1000}});
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		for (let index = 0; index < 6; index++) {
			alice.write(Buffer.from([0xC3, 0x28, 0x0A]));
		}

		const replies = [];
		for (let index = 0; index < 6; index++) {
			replies.push(await alice.nextEvent());
		}

		const codes = replies.map(reply => (reply.type === 'error' ? reply.code : reply.type));
		expect(codes.filter(code => code === 'rate_limited').length).toBeGreaterThanOrEqual(3);
	});

	it('closes a logged-in connection that keeps sending while refused: bye excess_flood', async () => {
		const server = await fixture.start({rate: 1, burst: 3, limits: {maxRefusedInARow: 20}});
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		for (let id = 0; id < 60; id++) {
			alice.sendJson({type: 'command', id, line: '/users'});
		}

		expect(await alice.waitForEvent(event => event.type === 'bye')).toMatchObject({reason: 'excess_flood', text: '20 lines in a row over the flood limit'});
		await alice.waitForClose();
	});
});

describe('sessions and flood budgets per user and per address (hole 7)', () => {
	it('refuses the session past the cap with too_many_sessions, and admits one again after a close', async () => {
		const logger = new RecordingLogger();
		const server = await fixture.start({logger, limits: {maxSessionsPerUser: 3}});
		const sessions = await Promise.all(Array.from({length: 3}, async () => fixture.keep(await loginJson(server.port, 'alice', 'wonderland'))));
		const fourth = await connect(server.port);
		fourth.sendJson({type: 'login', id: 'login', user: 'alice', password: 'wonderland'});
		expect(await fourth.waitForEvent(event => event.type === 'error')).toMatchObject({code: 'too_many_sessions', message: 'you already have 3 sessions, the most allowed at once; end one and log in again'});
		sessions[0]!.destroy();
		await logger.waitFor(entry => entry.event === 'disconnect' && entry.fields['user'] === 'alice');
		fourth.sendJson({type: 'login', id: 'again', user: 'alice', password: 'wonderland'});
		await fourth.waitForEvent(event => event.type === 'login_ok');
	});

	it('shares one flood budget among all of a user\'s sessions', async () => {
		const server = await fixture.start({rate: 0.5, burst: 5, limits: {userRate: 0.5, userBurst: 8}});
		const sessions = await Promise.all(Array.from({length: 4}, async () => fixture.keep(await loginJson(server.port, 'carol', 'christmas'))));
		for (const session of sessions) {
			for (let id = 0; id < 5; id++) {
				session.sendJson({type: 'command', id, line: '/users'});
			}
		}

		let ok = 0;
		for (const session of sessions) {
			for (let id = 0; id < 5; id++) {
				// eslint-disable-next-line no-await-in-loop
				const reply = await session.waitForEvent(event => 'id' in event && event.id === id);
				ok += reply.type === 'ok' ? 1 : 0;
			}
		}

		// 4 sessions × 5 would be 20 with per-session buckets only; the user's bucket holds 8 (the logins took 4 of them).
		expect(ok).toBeLessThanOrEqual(9);
	});

	it('shares one flood budget among all connections of an address', async () => {
		const server = await fixture.start({rate: 0.5, burst: 5, limits: {addressRate: 0.5, addressBurst: 6}});
		const clients = Array.from({length: 4}, () => from(server, '203.0.113.77'));
		for (const client of clients) {
			for (let id = 0; id < 3; id++) {
				client.sendJson({type: 'ping', id});
			}
		}

		const replies = await Promise.all(clients.flatMap(client => [0, 1, 2].map(async id => client.waitForEvent(event => 'id' in event && event.id === id))));
		expect(replies.filter(reply => reply.type === 'pong').length).toBeLessThanOrEqual(7);
		expect(replies.filter(isError('rate_limited')).length).toBeGreaterThanOrEqual(5);
	});
});
