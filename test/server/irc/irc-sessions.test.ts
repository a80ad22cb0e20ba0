import IRC, {type Client, type UserlistEvent} from 'irc-framework';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {ChatMessage, ServerEvent} from '../../../source/protocol/index.js';
import {jsonCommand, LineSocket, loginJson} from '../../helpers/line-socket.js';
import {serverFixture} from '../../helpers/server-fixture.js';
import type {TestServer} from '../../helpers/test-server.js';

// An IRC user who is also on natter elsewhere (the TUI, another node), and the members who come and go.

const fixture = serverFixture();
const clients: Client[] = [];
let server: TestServer;
let ircPort: number;

beforeEach(async () => {
	server = await fixture.start({ircPort: 0, data: ':memory:'});
	ircPort = server.server.ircAddress!.port;
});

afterEach(() => {
	for (const client of clients.splice(0)) {
		client.quit();
	}
});

/** Registers over a raw socket with PASS, after `CAP REQ` of `caps`; resolves once the MOTD has ended. */
async function register(nick: string, password: string, caps: string): Promise<LineSocket> {
	const client = fixture.keep(await LineSocket.connect(ircPort));
	client.send(`CAP REQ :${caps}`);
	await client.waitFor(/ CAP \* ACK /);
	client.send('CAP END');
	client.send(`PASS ${password}`);
	client.send(`NICK ${nick}`);
	client.send(`USER ${nick} 0 * :${nick}`);
	await client.waitFor(line => / 376 /.test(line));
	return client;
}

function messageOf(reply: ServerEvent): ChatMessage {
	if (reply.type !== 'ok' || !('message' in reply)) {
		throw new Error(`not a sent message: ${JSON.stringify(reply)}`);
	}

	return reply.message;
}

describe('an IRC user with other sessions', () => {
	it('gets NAMES after a JOIN made from another session, so irc-framework\'s nick list is filled', async () => {
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		await jsonCommand(alice, '/create_group ops');
		const irc = new IRC.Client();
		clients.push(irc);
		const registered = new Promise<void>(resolve => {
			irc.on('registered', () => {
				resolve();
			});
		});
		irc.connect({host: '127.0.0.1', port: ircPort, nick: 'bob', username: 'bob', password: 'builder', auto_reconnect: false});
		await registered;
		const names = new Promise<UserlistEvent>(resolve => {
			irc.on('userlist', event => {
				if (event.channel === '#ops') {
					resolve(event);
				}
			});
		});
		const tui = fixture.keep(await loginJson(server.port, 'bob', 'builder'));
		expect(await jsonCommand(tui, '/join ops')).toMatchObject({type: 'ok'});
		expect((await names).users.map(user => user.nick).sort()).toEqual(['alice', 'bob']);
	});

	it('moves natter\'s read marker with MARKREAD and hears it move elsewhere (draft/read-marker)', async () => {
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		await jsonCommand(alice, '/create_group dev');
		const sent: ChatMessage[] = [];
		for (const text of ['one', 'two']) {
			// eslint-disable-next-line no-await-in-loop
			sent.push(messageOf(await jsonCommand(alice, `/group_msg dev ${text}`)));
		}

		// Markers on IRC are times: the last message must come in a later millisecond than "two" for a marker between them.
		while (sent.at(-1)!.ts <= sent[1]!.ts) {
			// eslint-disable-next-line no-await-in-loop
			sent.push(messageOf(await jsonCommand(alice, '/group_msg dev later')));
		}

		const last = sent.at(-1)!;

		const tui = fixture.keep(await loginJson(server.port, 'bob', 'builder'));
		const bob = await register('bob', 'builder', 'draft/read-marker server-time');
		bob.send('JOIN #dev');
		expect(await bob.next()).toMatch(/^:bob!bob@irc\.natter JOIN #dev$/);
		// Nothing read yet, before the end of NAMES, as the extension asks.
		expect(await bob.next()).toBe(':irc.natter MARKREAD #dev *');
		expect(await bob.next()).toMatch(/ 353 bob = #dev :/);
		expect(await bob.next()).toMatch(/ 366 bob #dev /);

		// Read up to "two" in irssi: the TUI session hears the marker move; messages sent in the same millisecond count as read too.
		const two = sent[1]!;
		const upTo = Math.max(...sent.filter(message => message.ts <= two.ts).map(message => message.seq));
		bob.send(`MARKREAD #dev timestamp=${two.ts}`);
		expect(await bob.next()).toBe(`:irc.natter MARKREAD #dev timestamp=${sent[upTo - 1]!.ts}`);
		expect(await tui.waitForEvent(event => event.type === 'read')).toMatchObject({conversation: '#dev', seq: upTo});

		// An older marker does not move it back; the answer is where it is.
		bob.send(`MARKREAD #dev timestamp=${new Date(Date.parse(sent[0]!.ts) - 60_000).toISOString()}`);
		expect(await bob.next()).toBe(`:irc.natter MARKREAD #dev timestamp=${sent[upTo - 1]!.ts}`);

		// Read everything in the TUI: the IRC client is told.
		expect(upTo).toBeLessThan(last.seq);
		expect(await jsonCommand(tui, '/read #dev')).toMatchObject({type: 'ok', seq: last.seq});
		expect(await bob.next()).toBe(`:irc.natter MARKREAD #dev timestamp=${last.ts}`);
		bob.send('MARKREAD #dev');
		expect(await bob.next()).toBe(`:irc.natter MARKREAD #dev timestamp=${last.ts}`);

		// DMs: the target is the partner's nick.
		const dm = messageOf(await jsonCommand(alice, '/msg bob psst'));
		await bob.waitFor(/ PRIVMSG bob :psst$/);
		bob.send(`MARKREAD alice timestamp=${dm.ts}`);
		expect(await bob.next()).toBe(`:irc.natter MARKREAD alice timestamp=${dm.ts}`);
	});

	it('answers a bad MARKREAD with FAIL and keeps the marker', async () => {
		const bob = await register('bob', 'builder', 'draft/read-marker');
		bob.send('MARKREAD');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL MARKREAD NEED_MORE_PARAMS :/);
		bob.send('MARKREAD #no!such timestamp=2026-01-01T00:00:00.000Z');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL MARKREAD INVALID_PARAMS #no!such :/);
		bob.send('MARKREAD #nowhere timestamp=2026-01-01T00:00:00.000Z');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL MARKREAD INVALID_PARAMS #nowhere :no group named #nowhere/);
		bob.send('JOIN #mine');
		await bob.waitFor(/ 366 bob #mine /);
		bob.send('MARKREAD #mine yesterday');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL MARKREAD INVALID_PARAMS #mine yesterday :/);
		bob.send('MARKREAD #mine timestamp=not-a-time');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL MARKREAD INVALID_PARAMS #mine timestamp=not-a-time :/);
		bob.send('MARKREAD nobody timestamp=2026-01-01T00:00:00.000Z');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL MARKREAD INVALID_PARAMS nobody :no user named nobody/);
		bob.send('MARKREAD #mine');
		expect(await bob.next()).toBe(':irc.natter MARKREAD #mine *');
	});
});

describe('CHATHISTORY TARGETS', () => {
	it('lists the channels and DM partners with messages between two times, oldest first', async () => {
		const bob = await register('bob', 'builder', 'batch draft/chathistory');
		bob.send('JOIN #dev');
		await bob.waitFor(/ 366 bob #dev /);
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		const carol = fixture.keep(await loginJson(server.port, 'carol', 'christmas'));
		await jsonCommand(alice, '/join dev');
		const group = messageOf(await jsonCommand(alice, '/group_msg dev hi'));
		const fromAlice = messageOf(await jsonCommand(alice, '/msg bob psst'));
		const fromCarol = messageOf(await jsonCommand(carol, '/msg bob yo'));
		await bob.waitFor(/ PRIVMSG bob :yo$/);

		bob.send('CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10');
		expect(await bob.next()).toBe(':irc.natter BATCH +h1 draft/chathistory-targets');
		expect(await bob.next()).toBe(`@batch=h1 :irc.natter CHATHISTORY TARGETS #dev timestamp=${group.ts}`);
		expect(await bob.next()).toBe(`@batch=h1 :irc.natter CHATHISTORY TARGETS alice timestamp=${fromAlice.ts}`);
		expect(await bob.next()).toBe(`@batch=h1 :irc.natter CHATHISTORY TARGETS carol timestamp=${fromCarol.ts}`);
		expect(await bob.next()).toBe(':irc.natter BATCH -h1');
		// From the later time back: the newest first, limited from that side.
		bob.send('CHATHISTORY TARGETS timestamp=2100-01-01T00:00:00.000Z timestamp=2000-01-01T00:00:00.000Z 1');
		expect(await bob.next()).toBe(':irc.natter BATCH +h2 draft/chathistory-targets');
		expect(await bob.next()).toBe(`@batch=h2 :irc.natter CHATHISTORY TARGETS carol timestamp=${fromCarol.ts}`);
		expect(await bob.next()).toBe(':irc.natter BATCH -h2');
		bob.send('CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2000-01-02T00:00:00.000Z 10');
		expect(await bob.next()).toBe(':irc.natter BATCH +h3 draft/chathistory-targets');
		expect(await bob.next()).toBe(':irc.natter BATCH -h3');
		bob.send('CHATHISTORY TARGETS * * 10');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL CHATHISTORY INVALID_PARAMS TARGETS :usage/);
	});
});

describe('members who come and go', () => {
	it('shows a member without a session as away: AWAY with away-notify, 301 in WHOIS, G in WHO', async () => {
		const bob = await register('bob', 'builder', 'away-notify');
		bob.send('JOIN #lobby');
		await bob.waitFor(/ 366 bob #lobby /);
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		expect(await bob.next()).toBe(':alice!alice@irc.natter AWAY');
		expect(await jsonCommand(alice, '/join lobby')).toMatchObject({type: 'ok'});
		expect(await bob.next()).toBe(':alice!alice@irc.natter JOIN #lobby');
		alice.close();
		expect(await bob.next()).toBe(':alice!alice@irc.natter AWAY :offline (not connected to natter)');

		bob.send('WHO #lobby');
		expect(await bob.next()).toMatch(/ 352 bob #lobby alice irc\.natter irc\.natter alice G :0 alice$/);
		expect(await bob.next()).toMatch(/ 352 bob #lobby bob irc\.natter irc\.natter bob H :0 bob$/);
		expect(await bob.next()).toMatch(/ 315 bob #lobby /);
		bob.send('WHOIS alice');
		expect(await bob.next()).toBe(':irc.natter 311 bob alice alice irc.natter * :alice');
		expect(await bob.next()).toBe(':irc.natter 312 bob alice irc.natter :natter');
		expect(await bob.next()).toBe(':irc.natter 301 bob alice :offline (not connected to natter)');
		expect(await bob.next()).toBe(':irc.natter 318 bob alice :End of /WHOIS list.');
		bob.send('WHOIS nobody');
		expect(await bob.next()).toBe(':irc.natter 401 bob nobody :No such nick/channel');
		expect(await bob.next()).toBe(':irc.natter 318 bob nobody :End of /WHOIS list.');
	});

	it('sends no AWAY to a client that did not ask for away-notify', async () => {
		const bob = await register('bob', 'builder', 'server-time');
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		expect(await jsonCommand(alice, '/msg bob hello')).toMatchObject({type: 'ok'});
		// The DM comes first: no AWAY line for alice's login went before it.
		expect(await bob.next()).toMatch(/ :alice!alice@irc\.natter PRIVMSG bob :hello$/);
	});
});
