import {Buffer} from 'node:buffer';
import {describe, expect, it} from 'vitest';
import {LineSocket} from '../../helpers/line-socket.js';
import {serverFixture} from '../../helpers/server-fixture.js';
import type {TestServer} from '../../helpers/test-server.js';

const fixture = serverFixture();

async function register(server: TestServer, nick: string, password: string): Promise<LineSocket> {
	const client = fixture.keep(await LineSocket.connect(server.server.ircAddress!.port));
	client.send(`PASS ${password}`);
	client.send(`NICK ${nick}`);
	client.send(`USER ${nick} 0 * :${nick}`);
	await client.waitFor(line => / 376 /.test(line));
	return client;
}

describe('IRC limits and bad input', () => {
	it('pings an idle client and drops one that does not answer; one that answers stays', async () => {
		const server = await fixture.start({data: ':memory:', ircPort: 0, ircPingMs: 150});
		const silent = await register(server, 'bob', 'builder');
		const lively = await register(server, 'alice', 'wonderland');
		await lively.waitFor('PING :irc.natter');
		lively.send('PONG :irc.natter');
		await silent.waitFor('PING :irc.natter');
		expect(await silent.next()).toMatch(/^ERROR :Closing Link: bob\[irc\.natter\] \(Ping timeout: /);
		await silent.waitForClose();
		// Still here: pinged again, not dropped.
		await lively.waitFor('PING :irc.natter');
		expect(lively.ended).toBe(false);
	});

	it('shares the flood bucket: past the burst, lines get a notice and are not carried out', async () => {
		const server = await fixture.start({data: ':memory:', ircPort: 0, rate: 0.001, burst: 5});
		const bob = await register(server, 'bob', 'builder');
		bob.send('JOIN #a');
		await bob.waitFor(line => / 366 /.test(line));
		// PASS, NICK, USER and JOIN #a took four of the five; JOIN #b takes the last.
		bob.send('JOIN #b');
		bob.send('JOIN #c');
		await bob.waitFor(line => / 366 bob #b /.test(line));
		expect(await bob.next()).toMatch(/^:irc\.natter NOTICE bob :too many commands \(limit: 5 at once/);
		bob.send('LIST');
		expect(await bob.next()).toMatch(/^:irc\.natter NOTICE bob :too many commands/);
	});

	it('answers an over-long line with 417 and invalid UTF-8 with a notice, and goes on', async () => {
		const server = await fixture.start({data: ':memory:', ircPort: 0});
		const bob = await register(server, 'bob', 'builder');
		bob.send(`@tag=${'x'.repeat(9000)} PRIVMSG bob :hi`);
		expect(await bob.next()).toBe(':irc.natter 417 bob :Input line was too long');
		bob.write(Buffer.from([0x50, 0x49, 0x4E, 0x47, 0x20, 0xFF, 0xFE, 0x0A]));
		expect(await bob.next()).toBe(':irc.natter NOTICE bob :line is not valid UTF-8, dropped');
		bob.send('PING :still-here');
		expect(await bob.next()).toBe(':irc.natter PONG irc.natter :still-here');
	});

	it('closes a client that passed SASL but never ends its registration, at the login timeout, and gives its session place back', async () => {
		const server = await fixture.start({data: ':memory:', ircPort: 0, loginTimeoutMs: 300, limits: {maxSessionsPerUser: 1}});
		const stuck = fixture.keep(await LineSocket.connect(server.server.ircAddress!.port));
		stuck.send('CAP REQ :sasl');
		stuck.send('NICK bob');
		stuck.send('USER bob 0 * :Bob');
		stuck.send('AUTHENTICATE PLAIN');
		await stuck.waitFor('AUTHENTICATE +');
		stuck.send(`AUTHENTICATE ${Buffer.from('\0bob\0builder').toString('base64')}`);
		await stuck.waitFor(line => / 903 /.test(line));
		expect(await stuck.next()).toBe('ERROR :Closing Link: bob[irc.natter] (no login within 300 ms)');
		await stuck.waitForClose();
		await register(server, 'bob', 'builder');
	});

	it('counts IRC password guesses against the account, as every login does: the fourth try in a minute is refused unchecked', async () => {
		const server = await fixture.start({data: ':memory:', ircPort: 0});
		const attempt = async (password: string) => {
			const client = fixture.keep(await LineSocket.connect(server.server.ircAddress!.port));
			client.send(`PASS ${password}`);
			client.send('NICK bob');
			client.send('USER bob 0 * :Bob');
			const answer = await client.next();
			await client.waitForClose();
			return answer;
		};

		for (let index = 0; index < 3; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await attempt('guess')).toMatch(/^:irc\.natter 464 bob :Password incorrect: invalid username or password/);
		}

		expect(await attempt('builder')).toMatch(/^:irc\.natter 464 bob :Login refused: too many failed logins for this account; try again in \d+ s/);
	});

	it('closes a connection that sends only junk before registering', async () => {
		const server = await fixture.start({data: ':memory:', ircPort: 0});
		const junk = fixture.keep(await LineSocket.connect(server.server.ircAddress!.port));
		for (let index = 0; index < 12; index++) {
			junk.send(`GARBAGE ${index}`);
		}

		await junk.waitFor(line => line.startsWith('ERROR :Closing Link: *[irc.natter] (10 lines answered with an error before login)'));
		await junk.waitForClose();
	});
});
