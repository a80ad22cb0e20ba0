import {Buffer} from 'node:buffer';
import {beforeEach, describe, expect, it} from 'vitest';
import {jsonCommand, LineSocket, loginJson} from '../../helpers/line-socket.js';
import {serverFixture} from '../../helpers/server-fixture.js';
import type {TestServer} from '../../helpers/test-server.js';

const fixture = serverFixture();
let server: TestServer;
let ircPort: number;

beforeEach(async () => {
	server = await fixture.start({ircPort: 0, data: ':memory:'});
	ircPort = server.server.ircAddress!.port;
});

async function connect(): Promise<LineSocket> {
	return fixture.keep(await LineSocket.connect(ircPort));
}

/** Registers with PASS, NICK and USER; resolves once the MOTD has ended. */
async function register(nick: string, password: string): Promise<LineSocket> {
	const client = await connect();
	client.send(`PASS ${password}`);
	client.send(`NICK ${nick}`);
	client.send(`USER ${nick} 0 * :${nick} the tester`);
	await client.waitFor(line => / 376 /.test(line));
	return client;
}

/** The numeric (or command) of each line, in order. */
function codes(lines: readonly string[]): string[] {
	return lines.map(line => line.replace(/^@\S+ /, '').split(' ')[1]!);
}

describe('IRC registration', () => {
	it('welcomes a PASS login with 001–005, LUSERS and MOTD, in that order, the nick as target', async () => {
		const bob = await connect();
		bob.send('PASS builder');
		bob.send('NICK Bob');
		bob.send('USER bob 0 * :Bob Builder');
		await bob.waitFor(line => / 376 /.test(line));
		expect(codes(bob.lines)).toEqual(['001', '002', '003', '004', '005', '005', '251', '255', '375', '372', '372', '372', '376']);
		expect(bob.lines[0]).toBe(':irc.natter 001 bob :Welcome to the natter IRC network, bob');
		expect(bob.lines[3]).toMatch(/^:irc\.natter 004 bob irc\.natter natter-\S+ i nt$/);
		const isupport = bob.lines.filter(line => / 005 /.test(line));
		for (const line of isupport) {
			const tokens = line.split(' :')[0]!.split(' ').slice(3);
			expect(tokens.length).toBeLessThanOrEqual(15);
		}

		const tokens = isupport.join(' ');
		for (const token of ['CASEMAPPING=ascii', 'CHANTYPES=#', 'NICKLEN=32', 'CHANNELLEN=33', 'NETWORK=natter', 'PREFIX=()', 'CHANMODES=,,,nt', 'CHATHISTORY=100']) {
			expect(tokens).toContain(token);
		}

		expect(bob.lines[6]).toBe(':irc.natter 251 bob :There are 1 users and 0 invisible on 1 servers');
		expect(bob.lines[9]).toMatch(/^:irc\.natter 372 bob :- welcome bob\. 1 user online\./);
	});

	it('negotiates capabilities first: CAP LS 302, REQ (all or nothing), END; registration waits for END', async () => {
		const alice = await connect();
		alice.send('CAP LS 302');
		alice.send('NICK alice');
		alice.send('USER alice 0 * :Alice');
		alice.send('PASS wonderland');
		expect(await alice.next()).toBe(':irc.natter CAP * LS :away-notify batch draft/chathistory draft/read-marker echo-message message-tags sasl=PLAIN server-time');
		alice.send('CAP REQ :server-time bogus-cap');
		// The nick once the client gave one, * before.
		expect(await alice.next()).toBe(':irc.natter CAP alice NAK :server-time bogus-cap');
		alice.send('CAP REQ :server-time message-tags echo-message');
		expect(await alice.next()).toBe(':irc.natter CAP alice ACK :server-time message-tags echo-message');
		alice.send('CAP LIST');
		expect(await alice.next()).toBe(':irc.natter CAP alice LIST :server-time message-tags echo-message');
		alice.send('CAP END');
		expect(await alice.next()).toMatch(/^:irc\.natter 001 alice /);
	});

	it('logs in with SASL PLAIN before CAP END (900, 903), and the nick becomes the account name', async () => {
		const carol = await connect();
		carol.send('CAP LS 302');
		carol.send('NICK carol_away');
		carol.send('USER carol 0 * :Carol');
		await carol.next();
		carol.send('CAP REQ :sasl');
		expect(await carol.next()).toBe(':irc.natter CAP carol_away ACK :sasl');
		carol.send('AUTHENTICATE PLAIN');
		expect(await carol.next()).toBe('AUTHENTICATE +');
		carol.send(`AUTHENTICATE ${Buffer.from('\0carol\0christmas').toString('base64')}`);
		expect(await carol.next()).toBe(':irc.natter 900 carol_away carol!carol@irc.natter carol :You are now logged in as carol');
		expect(await carol.next()).toBe(':irc.natter 903 carol_away :SASL authentication successful');
		carol.send('CAP END');
		expect(await carol.next()).toBe(':irc.natter 001 carol :Welcome to the natter IRC network, carol');
	});

	it('answers a wrong SASL password with 904 and lets the client try again', async () => {
		const carol = await connect();
		carol.send('CAP REQ :sasl');
		await carol.next();
		carol.send('NICK carol');
		carol.send('USER carol 0 * :Carol');
		carol.send('AUTHENTICATE PLAIN');
		await carol.waitFor('AUTHENTICATE +');
		carol.send(`AUTHENTICATE ${Buffer.from('carol\0carol\0wrong').toString('base64')}`);
		expect(await carol.next()).toMatch(/^:irc\.natter 904 carol :SASL authentication failed: invalid username or password/);
		carol.send('AUTHENTICATE PLAIN');
		await carol.waitFor('AUTHENTICATE +');
		carol.send(`AUTHENTICATE ${Buffer.from('\0carol\0christmas').toString('base64')}`);
		await carol.waitFor(line => / 903 /.test(line));
		carol.send('CAP END');
		await carol.waitFor(line => / 001 carol /.test(line));
	});

	it('refuses a wrong password with 464, then closes', async () => {
		const bob = await connect();
		bob.send('PASS not-the-password');
		bob.send('NICK bob');
		bob.send('USER bob 0 * :Bob');
		expect(await bob.next()).toBe(':irc.natter 464 bob :Password incorrect: invalid username or password (2 attempts left)');
		expect(await bob.next()).toBe('ERROR :Closing Link: bob[irc.natter] (Password incorrect)');
		await bob.waitForClose();
	});

	it('refuses a registration without any password with 464, and a nick that is no natter name with 432', async () => {
		const stranger = await connect();
		stranger.send('NICK bad.nick');
		expect(await stranger.next()).toBe(':irc.natter 432 * bad.nick :Erroneous nickname: your nick is your natter user name (user name may only hold letters, digits, \'_\' and \'-\', and must start with a letter or digit)');
		stranger.send('NICK bob');
		stranger.send('USER bob 0 * :Bob');
		expect(await stranger.next()).toBe(':irc.natter 464 bob :Password required: connect with your natter password (PASS, or SASL PLAIN)');
		expect(await stranger.next()).toBe('ERROR :Closing Link: bob[irc.natter] (a natter password is required)');
		await stranger.waitForClose();
	});

	it('answers commands before registration with 451, and a PING at any time', async () => {
		const early = await connect();
		early.send('JOIN #lobby');
		expect(await early.next()).toBe(':irc.natter 451 * :You have not registered');
		early.send('PING :abc');
		expect(await early.next()).toBe(':irc.natter PONG irc.natter :abc');
	});
});

describe('IRC commands, numerics line by line', () => {
	it('JOIN creates a missing group (NAMES follow), PRIVMSG reaches a JSON-mode member and back, PART leaves', async () => {
		const bob = await register('bob', 'builder');
		bob.send('JOIN #Lobby');
		expect(await bob.next()).toBe(':bob!bob@irc.natter JOIN #lobby');
		expect(await bob.next()).toBe(':irc.natter 353 bob = #lobby :bob');
		expect(await bob.next()).toBe(':irc.natter 366 bob #lobby :End of /NAMES list.');
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		expect(await jsonCommand(alice, '/join_group lobby')).toMatchObject({type: 'ok'});
		expect(await bob.next()).toBe(':alice!alice@irc.natter JOIN #lobby');
		bob.send('PRIVMSG #lobby :hello from irc');
		expect(await alice.waitForEvent(event => event.type === 'group_msg')).toMatchObject({from: 'bob', group: 'lobby', text: 'hello from irc'});
		expect(await jsonCommand(alice, '/group_msg lobby hi bob')).toMatchObject({type: 'ok'});
		expect(await bob.next()).toBe(':alice!alice@irc.natter PRIVMSG #lobby :hi bob');
		bob.send('NAMES #lobby');
		expect(await bob.next()).toBe(':irc.natter 353 bob = #lobby :alice bob');
		expect(await bob.next()).toBe(':irc.natter 366 bob #lobby :End of /NAMES list.');
		bob.send('WHO #lobby');
		expect(await bob.next()).toBe(':irc.natter 352 bob #lobby alice irc.natter irc.natter alice H :0 alice');
		expect(await bob.next()).toBe(':irc.natter 352 bob #lobby bob irc.natter irc.natter bob H :0 bob');
		expect(await bob.next()).toBe(':irc.natter 315 bob #lobby :End of /WHO list.');
		bob.send('PART #lobby :bye now');
		expect(await bob.next()).toBe(':bob!bob@irc.natter PART #lobby :bye now');
		expect(await alice.waitForEvent(event => event.type === 'membership')).toMatchObject({user: 'bob', joined: false});
		bob.send('PRIVMSG #lobby :still here?');
		expect(await bob.next()).toBe(':irc.natter 404 bob #lobby :Cannot send to channel: you are not in it (JOIN #lobby)');
	});

	it('maps DMs, broadcasts and actions both ways, with server-time and msgid tags for clients that asked', async () => {
		const bob = await connect();
		bob.send('CAP REQ :message-tags server-time echo-message');
		await bob.next();
		bob.send('CAP END');
		bob.send('PASS builder');
		bob.send('NICK bob');
		bob.send('USER bob 0 * :Bob');
		await bob.waitFor(line => / 376 /.test(line));
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		bob.send('PRIVMSG alice :psst');
		const dm = await alice.waitForEvent(event => event.type === 'msg');
		expect(dm).toMatchObject({from: 'bob', to: 'alice', text: 'psst'});
		const echo = await bob.next();
		expect(echo).toMatch(/^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z;msgid=[0-9A-Z]{26} :bob!bob@irc\.natter PRIVMSG alice :psst$/);
		expect(echo).toContain(`msgid=${(dm as {msgid: string}).msgid}`);
		await jsonCommand(alice, '/msg bob hey');
		expect(await bob.next()).toMatch(/^@time=\S+;msgid=\S+ :alice!alice@irc\.natter PRIVMSG bob :hey$/);
		await jsonCommand(alice, '/broadcast all hands');
		expect(await bob.next()).toMatch(/^@time=\S+;msgid=\S+ :alice!alice@irc\.natter NOTICE \$\* :all hands$/);
		bob.send('PRIVMSG alice :\u0001ACTION waves\u0001');
		expect(await alice.waitForEvent(event => event.type === 'msg' && event.text === 'waves')).toMatchObject({action: true});
		expect(await bob.next()).toMatch(/ :bob!bob@irc\.natter PRIVMSG alice :\u0001ACTION waves\u0001$/);
		await jsonCommand(alice, '/me @bob nods');
		expect(await bob.next()).toMatch(/ :alice!alice@irc\.natter PRIVMSG bob :\u0001ACTION nods\u0001$/);
		bob.send('PRIVMSG $* :hello everyone');
		expect(await alice.waitForEvent(event => event.type === 'broadcast')).toMatchObject({from: 'bob', text: 'hello everyone'});
	});

	it('gives the right numerics for bad names, unknown targets and unknown commands', async () => {
		const bob = await register('bob', 'builder');
		bob.send('JOIN #no.dots');
		expect(await bob.next()).toBe(':irc.natter 479 bob #no.dots :Illegal channel name: a channel is # and a natter group name (letters, digits, _ and -, at most 32)');
		bob.send('JOIN lobby');
		expect(await bob.next()).toMatch(/^:irc\.natter 479 bob lobby :Illegal channel name/);
		bob.send('PRIVMSG nobody :hi');
		expect(await bob.next()).toBe(':irc.natter 401 bob nobody :No such nick/channel');
		bob.send('PRIVMSG #nowhere :hi');
		expect(await bob.next()).toBe(':irc.natter 403 bob #nowhere :No such channel');
		bob.send('PRIVMSG alice');
		expect(await bob.next()).toBe(':irc.natter 412 bob :No text to send');
		bob.send('NAMES #no.dots,#nowhere');
		expect(await bob.next()).toBe(':irc.natter 366 bob #no.dots :End of /NAMES list.');
		expect(await bob.next()).toBe(':irc.natter 366 bob #nowhere :End of /NAMES list.');
		bob.send('WHO :#a b');
		expect(await bob.next()).toBe(':irc.natter 315 bob #ab :End of /WHO list.');
		bob.send('FROBNICATE now');
		expect(await bob.next()).toBe(':irc.natter 421 bob FROBNICATE :Unknown command');
		bob.send('NICK robert');
		expect(await bob.next()).toBe(':irc.natter 432 bob robert :Your nick is your natter user name and cannot change');
		bob.send(`PRIVMSG alice :${'x'.repeat(600)}`);
		expect(await bob.next()).toBe(':irc.natter 417 bob :Input line was too long');
		bob.send('PRIVMSG alice :\u0001VERSION\u0001');
		expect(await bob.next()).toBe(':irc.natter NOTICE bob :CTCP VERSION is not carried by natter');
	});

	it('answers MODE, TOPIC, AWAY, ISON, USERHOST, LIST and LUSERS', async () => {
		const bob = await register('bob', 'builder');
		bob.send('JOIN #dev');
		await bob.waitFor(line => / 366 /.test(line));
		bob.send('MODE #dev');
		expect(await bob.next()).toBe(':irc.natter 324 bob #dev +nt');
		bob.send('MODE #dev b');
		expect(await bob.next()).toBe(':irc.natter 368 bob #dev :End of channel ban list');
		bob.send('MODE #dev +o alice');
		expect(await bob.next()).toBe(':irc.natter 482 bob #dev :natter groups have no modes to change');
		bob.send('MODE bob +i');
		expect(await bob.next()).toBe(':irc.natter 221 bob +');
		bob.send('TOPIC #dev');
		expect(await bob.next()).toBe(':irc.natter 331 bob #dev :No topic is set');
		bob.send('AWAY :lunch');
		expect(await bob.next()).toBe(':irc.natter 306 bob :You have been marked as being away');
		bob.send('AWAY');
		expect(await bob.next()).toBe(':irc.natter 305 bob :You are no longer marked as being away');
		bob.send('ISON alice bob carol');
		expect(await bob.next()).toBe(':irc.natter 303 bob :bob');
		bob.send('USERHOST bob alice');
		expect(await bob.next()).toBe(':irc.natter 302 bob :bob=+bob@irc.natter');
		bob.send('LIST');
		expect(await bob.next()).toBe(':irc.natter 321 bob Channel :Users  Name');
		expect(await bob.next()).toBe(':irc.natter 322 bob #dev 1 :');
		expect(await bob.next()).toBe(':irc.natter 323 bob :End of /LIST');
		bob.send('LUSERS');
		expect(await bob.next()).toBe(':irc.natter 251 bob :There are 1 users and 0 invisible on 1 servers');
		expect(await bob.next()).toBe(':irc.natter 254 bob 1 :channels formed');
		expect(await bob.next()).toBe(':irc.natter 255 bob :I have 1 clients and 0 servers');
	});

	it('QUIT closes with ERROR; the groups stay the user\'s and are joined again at the next login', async () => {
		const bob = await register('bob', 'builder');
		bob.send('JOIN #dev');
		await bob.waitFor(line => / 366 /.test(line));
		bob.send('QUIT :gone fishing');
		expect(await bob.next()).toBe('ERROR :Closing Link: bob[irc.natter] (Quit: gone fishing)');
		await bob.waitForClose();
		const again = await register('bob', 'builder');
		expect(await again.next()).toBe(':bob!bob@irc.natter JOIN #dev');
		expect(await again.next()).toBe(':irc.natter 353 bob = #dev :bob');
		expect(await again.next()).toBe(':irc.natter 366 bob #dev :End of /NAMES list.');
	});

	it('serves CHATHISTORY from natter\'s history, in a batch', async () => {
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		await jsonCommand(alice, '/create_group dev');
		for (const text of ['one', 'two', 'three']) {
			// eslint-disable-next-line no-await-in-loop
			await jsonCommand(alice, `/group_msg dev ${text}`);
		}

		const bob = await connect();
		bob.send('CAP REQ :batch server-time message-tags draft/chathistory');
		await bob.next();
		bob.send('CAP END');
		bob.send('PASS builder');
		bob.send('NICK bob');
		bob.send('USER bob 0 * :Bob');
		await bob.waitFor(line => / 376 /.test(line));
		bob.send('JOIN #dev');
		await bob.waitFor(line => / 366 /.test(line));
		bob.send('CHATHISTORY LATEST #dev * 2');
		expect(await bob.next()).toBe(':irc.natter BATCH +h1 chathistory #dev');
		expect(await bob.next()).toMatch(/^@batch=h1;time=\S+;msgid=\S+ :alice!alice@irc\.natter PRIVMSG #dev :two$/);
		const three = await bob.next();
		expect(three).toMatch(/ PRIVMSG #dev :three$/);
		expect(await bob.next()).toBe(':irc.natter BATCH -h1');
		const msgid = /msgid=(\w+)/.exec(three)![1]!;
		bob.send(`CHATHISTORY BEFORE #dev msgid=${msgid} 10`);
		expect(await bob.next()).toBe(':irc.natter BATCH +h2 chathistory #dev');
		expect(await bob.next()).toMatch(/ PRIVMSG #dev :one$/);
		expect(await bob.next()).toMatch(/ PRIVMSG #dev :two$/);
		expect(await bob.next()).toBe(':irc.natter BATCH -h2');
		bob.send(`CHATHISTORY AFTER #dev msgid=${msgid} 10`);
		expect(await bob.next()).toBe(':irc.natter BATCH +h3 chathistory #dev');
		expect(await bob.next()).toBe(':irc.natter BATCH -h3');
		// A msgid that is no message of #dev: one made up, or one of a DM.
		const dm = await jsonCommand(alice, '/msg bob psst') as {message: {msgid: string}};
		await bob.waitFor(line => line.endsWith('PRIVMSG bob :psst'));
		for (const reference of ['bogus', dm.message.msgid, '00000000000000000000000000']) {
			bob.send(`CHATHISTORY BEFORE #dev msgid=${reference} 10`);
			// eslint-disable-next-line no-await-in-loop
			expect(await bob.next()).toBe(`:irc.natter FAIL CHATHISTORY INVALID_PARAMS BEFORE #dev :no message msgid=${reference} in this conversation (or no longer kept)`);
		}

		bob.send('CHATHISTORY LATEST #secret * 10');
		expect(await bob.next()).toMatch(/^:irc\.natter FAIL CHATHISTORY INVALID_TARGET LATEST #secret :/);
	});

	it('never lets CR, LF or NUL through, and splits a long natter message into IRC-sized lines', async () => {
		const bob = await register('bob', 'builder');
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		alice.sendJson({type: 'command', id: 'x', line: '/msg bob one\r\nPRIVMSG #evil :two\u0000three'});
		expect(await bob.next()).toBe(':alice!alice@irc.natter PRIVMSG bob :onePRIVMSG #evil :twothree');
		const long = 'word '.repeat(400).trim();
		expect(await jsonCommand(alice, `/msg bob ${long}`)).toMatchObject({type: 'ok'});
		const first = await bob.next();
		expect(Buffer.byteLength(`${first}\r\n`)).toBeLessThanOrEqual(512);
		const pieces = [first.split(' :')[1]!];
		while (pieces.join(' ').length < long.length) {
			// eslint-disable-next-line no-await-in-loop
			const line = await bob.next();
			expect(Buffer.byteLength(`${line}\r\n`)).toBeLessThanOrEqual(512);
			pieces.push(line.split(' :')[1]!);
		}

		expect(pieces.length).toBeGreaterThan(3);
		expect(pieces.join(' ')).toBe(long);
	});
});
