import {appendFile} from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import {describe, expect, it} from 'vitest';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {RecordingLogger} from '../helpers/recording-logger.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {LoginThrottle} from '../../server/net/login-throttle.js';

const fixture = serverFixture();
const start = fixture.start;

async function connect(port: number): Promise<LineSocket> {
	const client = await LineSocket.connect(port);
	fixture.keep(client);
	return client;
}

describe('password guessing', () => {
	it('text mode: the third wrong password ends the connection with bye too_many_attempts', async () => {
		const {port} = await start();
		const client = await connect(port);
		for (const attempt of [1, 2, 3]) {
			client.send('alice');
			client.send(`guess${attempt}`);
		}

		await client.waitFor('error: invalid username or password (1 attempt left)');
		expect(await client.waitFor(/^error:/)).toBe('error: invalid username or password');
		expect(await client.next()).toBe('bye: too many failed logins');
		await client.waitForClose();
	});

	it('JSON mode: the same, as typed events', async () => {
		const {port} = await start();
		const client = await connect(port);
		for (const id of [1, 2, 3, 4]) {
			client.sendJson({type: 'login', id, user: 'bob', password: 'wrong'});
		}

		expect(await client.waitForEvent(event => event.type === 'error' && event.id === 3)).toMatchObject({code: 'auth_failed', message: 'invalid username or password'});
		expect(await client.nextEvent()).toEqual({type: 'bye', reason: 'too_many_attempts', text: 'too many failed logins'});
		await client.waitForClose();
		// The fourth login was never looked at.
		expect(client.unread()).toEqual([]);
	});

	it('delays each failure reply from an address longer, and never delays a success', async () => {
		// The per-account throttle is off (hostile.test.ts tests it): with it on, whether the
		// good login came before or after the guesser's third failure was counted was a race.
		const {port} = await start({failureDelay: {baseMs: 60, capMs: 120}, limits: {accountMaxFailures: 0}});
		const client = await connect(port);
		const timings: number[] = [];
		for (const attempt of [1, 2]) {
			const started = performance.now();
			client.sendJson({type: 'login', id: attempt, user: 'alice', password: 'wrong'});
			await client.waitForEvent(event => event.type === 'error' && event.id === attempt);
			timings.push(performance.now() - started);
		}

		// Timers never fire early: these are lower bounds (60 ms, then 120 ms), not wall-clock guesses.
		expect(timings[0]).toBeGreaterThanOrEqual(59);
		expect(timings[1]).toBeGreaterThanOrEqual(119);

		// A new connection from the same address starts with a long delay pending; a success overtakes it.
		const guesser = await connect(port);
		guesser.sendJson({type: 'login', id: 'guess', user: 'alice', password: 'wrong'});
		const order: string[] = [];
		const failed = guesser.waitForEvent(event => event.type === 'error').then(() => order.push('failure'));
		const good = await connect(port);
		good.sendJson({type: 'login', id: 'ok', user: 'alice', password: 'wonderland'});
		await good.waitForEvent(event => event.type === 'login_ok').then(() => order.push('success'));
		await failed;
		expect(order).toEqual(['success', 'failure']);
	});

	it('grows the delay per address up to the cap and forgets failures after five minutes', () => {
		let now = 0;
		const throttle = new LoginThrottle({delay: {baseMs: 250, capMs: 3000}, now: () => now});
		expect([1, 2, 3, 4, 5, 6].map(() => throttle.fail('10.0.0.1'))).toEqual([250, 500, 1000, 2000, 3000, 3000]);
		expect(throttle.fail('10.0.0.2')).toBe(250);
		now += 5 * 60 * 1000;
		expect(throttle.fail('10.0.0.2')).toBe(500);
		now += 5 * 60 * 1000 + 1;
		expect(throttle.fail('10.0.0.1')).toBe(250);
		expect(throttle.size).toBe(1);
	});

	it('remembers a bounded number of addresses', () => {
		const throttle = new LoginThrottle({maxAddresses: 100, now: () => 0});
		for (let index = 0; index < 1000; index++) {
			throttle.fail(`10.0.${index >> 8}.${index & 255}`);
		}

		expect(throttle.size).toBeLessThanOrEqual(100);
	});

	it('never logs a password or a message body', async () => {
		const logger = new RecordingLogger();
		const {port} = await start({logger});
		const guesser = await connect(port);
		guesser.sendJson({type: 'login', id: 1, user: 'alice', password: 'hunter2-secret'});
		await guesser.waitForEvent(event => event.type === 'error');
		// A password typed at the user name prompt is not logged either.
		guesser.sendJson({type: 'login', id: 2, user: 'my password!', password: 'x'});
		await guesser.waitForEvent(event => event.type === 'error' && event.id === 2);
		const alice = await loginText(port, 'alice', 'wonderland');
		const bob = await loginJson(port, 'bob', 'builder');
		fixture.keep(alice, bob);
		alice.send('/msg bob the-secret-plan');
		await bob.waitForEvent(event => event.type === 'msg');
		alice.send('/exit');
		await logger.waitFor(entry => entry.event === 'disconnect' && entry.fields.user === 'alice');
		const log = logger.dump();
		for (const secret of ['hunter2-secret', 'my password!', 'wonderland', 'builder', 'the-secret-plan']) {
			expect(log).not.toContain(secret);
		}

		expect(logger.entries.map(entry => entry.event)).toEqual(expect.arrayContaining(['listening', 'connect', 'login_failed', 'login_ok', 'disconnect']));
		expect(logger.entries.find(entry => entry.event === 'login_failed')!.fields).toMatchObject({user: 'alice', remote: '127.0.0.1', attempt: 1});
	});
});

describe('silent connections', () => {
	it('closes a connection that does not log in within loginTimeoutMs, and not a logged-in one', async () => {
		const {port} = await start({loginTimeoutMs: 300});
		// The first login starts the bcrypt worker, which can take longer than the timeout; warm it up.
		const warmup = await connect(port);
		warmup.sendJson({type: 'login', user: 'bob', password: 'builder'});
		await warmup.waitForEvent(event => event.type === 'login_ok' || event.type === 'bye', 3000);
		const alice = await loginJson(port, 'alice', 'wonderland');
		fixture.keep(alice);
		const silent = await connect(port);
		await silent.waitFor('Username:');
		expect(await silent.next(3000)).toBe('bye: no login within 300 ms');
		await silent.waitForClose();

		// alice has been connected longer than the timeout and is still served.
		alice.sendJson({type: 'command', id: 1, line: '/users'});
		expect(await alice.waitForEvent(event => event.type === 'ok')).toMatchObject({users: expect.arrayContaining([{name: 'alice', sessions: 1}])});
	});

	it('does not count a login being checked as silence: a slow bcrypt check outlasting the timeout still logs in', async () => {
		const server = await start({loginTimeoutMs: 150});
		// Cost 12 takes far longer than 150 ms to check (a queue behind a login storm has the same effect).
		await appendFile(server.usersFile, `slow:${bcrypt.hashSync('patience', 12)}\n`);
		await server.server.reloadUsers();
		const client = await connect(server.port);
		client.sendJson({type: 'login', id: 'l', user: 'slow', password: 'patience'});
		const answer = await client.waitForEvent(event => event.type === 'login_ok' || event.type === 'bye', 10_000);
		expect(answer).toMatchObject({type: 'login_ok', user: 'slow'});

		// After a failed check the connection is silent again, and the timer runs again.
		const wrong = await connect(server.port);
		wrong.sendJson({type: 'login', id: 'l', user: 'slow', password: 'hurry'});
		expect(await wrong.waitForEvent(event => event.type === 'error', 10_000)).toMatchObject({code: 'auth_failed'});
		expect(await wrong.waitForEvent(event => event.type === 'bye', 3000)).toMatchObject({reason: 'login_timeout'});
	});

	it('JSON mode gets the login_timeout bye as an event', async () => {
		const {port} = await start({loginTimeoutMs: 100});
		const client = await connect(port);
		client.sendJson({type: 'hello'});
		expect(await client.waitForEvent(event => event.type === 'bye', 3000)).toMatchObject({type: 'bye', reason: 'login_timeout'});
		await client.waitForClose();
	});
});
