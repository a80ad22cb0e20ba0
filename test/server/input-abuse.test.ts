import {Buffer} from 'node:buffer';
import {duplexPair} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {RecordingLogger} from '../helpers/recording-logger.js';
import {serverFixture} from '../helpers/server-fixture.js';

const fixture = serverFixture();
const start = fixture.start;

async function track(client: Promise<LineSocket>): Promise<LineSocket> {
	const socket = await client;
	fixture.keep(socket);
	return socket;
}

/** Deterministic junk bytes (a small LCG), so a failure can be replayed. */
function junk(length: number, seed: number): Buffer {
	const bytes = Buffer.alloc(length);
	let state = seed;
	for (let index = 0; index < length; index++) {
		state = ((state * 1_103_515_245) + 12_345) & 0x7F_FF_FF_FF;
		bytes[index] = state >> 16 & 0xFF;
	}

	return bytes;
}

describe('bad bytes', () => {
	it('answers an over-long line with line_too_long and keeps the connection', async () => {
		const {port} = await start();
		const alice = await track(loginText(port, 'alice', 'wonderland'));
		alice.send(`/broadcast ${'x'.repeat(9000)}`);
		expect(await alice.next()).toBe('error: line longer than 8192 bytes, dropped');
		alice.send('/users');
		expect(await alice.next()).toBe('ok: 1 user online: alice');

		const bob = await track(loginJson(port, 'bob', 'builder'));
		bob.send('y'.repeat(10_000));
		expect(await bob.waitForEvent(event => event.type === 'error')).toMatchObject({code: 'line_too_long'});
	});

	it('closes with bye line_overflow past 64 KiB without a newline', async () => {
		const {port} = await start();
		const client = await track(LineSocket.connect(port));
		await client.waitFor('Username:');
		client.write('z'.repeat(70_000));
		expect(await client.waitFor(/^bye:/)).toBe('bye: a line longer than 65536 bytes: not the natter protocol');
		await client.waitForClose();
	});

	it('answers invalid UTF-8 with invalid_utf8 and goes on', async () => {
		const {port} = await start();
		const alice = await track(loginJson(port, 'alice', 'wonderland'));
		alice.write(Buffer.from([0x7B, 0xC3, 0x28, 0xFF, 0x0A]));
		expect(await alice.waitForEvent(event => event.type === 'error')).toMatchObject({code: 'invalid_utf8'});
		alice.sendJson({type: 'ping', id: 1});
		expect(await alice.nextEvent()).toMatchObject({type: 'pong', id: 1});
	});

	it('survives binary junk and NUL bytes while others keep chatting', async () => {
		const {port} = await start({rate: 0});
		const alice = await track(loginJson(port, 'alice', 'wonderland'));
		const bob = await track(loginJson(port, 'bob', 'builder'));
		const textJunk = await track(LineSocket.connect(port));
		const loggedInJunk = await track(loginText(port, 'carol', 'christmas'));
		for (let seed = 1; seed <= 20; seed++) {
			textJunk.write(junk(3000, seed));
			loggedInJunk.write(junk(3000, seed + 100));
		}

		loggedInJunk.write('\n/msg alice nul\u0000byte\n');
		expect(await alice.waitForEvent(event => event.type === 'msg')).toMatchObject({from: 'carol', text: 'nulbyte'});
		alice.sendJson({type: 'command', id: 1, line: '/msg bob still here'});
		expect(await bob.waitForEvent(event => event.type === 'msg')).toMatchObject({text: 'still here'});
		// Whatever state the junk left (user name or password asked), two line ends get back to the prompt;
		// or the junk earned the connection its close (too many failed logins, or too many errors before login).
		textJunk.write('\n\n/users\n');
		expect(await textJunk.waitFor(line => line === 'error: log in first' || line.startsWith('bye:'))).toMatch(/log in first|too many failed logins|too many lines the server had to refuse|answered with an error before login/);
	});

	it('serves a client that sends everything and then shuts its side', async () => {
		const {port} = await start();
		const client = await track(LineSocket.connect(port));
		client.write('alice\nwonderland\n/users\n/broadcast bye now\n');
		client.close();
		await client.waitFor(/^ok: welcome alice/);
		expect(await client.next()).toBe('ok: 1 user online: alice');
		expect(await client.next()).toBe('ok: sent to 0 other users online');
		await client.waitForClose();
	});
});

describe('floods', () => {
	it('answers rate_limited beyond the burst, one reply per command, in order', async () => {
		const {port} = await start({rate: 10, burst: 30});
		const alice = await track(loginJson(port, 'alice', 'wonderland'));
		for (let id = 0; id < 60; id++) {
			alice.sendJson({type: 'command', id, line: '/users'});
		}

		const replies = [];
		for (let id = 0; id < 60; id++) {
			replies.push(await alice.nextEvent());
		}

		expect(replies.map(reply => 'id' in reply && reply.id)).toEqual([...Array.from({length: 60}).keys()]);
		const limited = replies.filter(reply => reply.type === 'error' && reply.code === 'rate_limited');
		// The login used one token; a few may have refilled while the lines arrived.
		expect(replies.slice(0, 29).every(reply => reply.type === 'ok')).toBe(true);
		expect(limited.length).toBeGreaterThanOrEqual(20);
	});

	it('limits text mode too', async () => {
		const {port} = await start({rate: 1, burst: 3});
		const alice = await track(loginText(port, 'alice', 'wonderland'));
		alice.write('/users\n'.repeat(5));
		const lines = [];
		for (let index = 0; index < 5; index++) {
			lines.push(await alice.next());
		}

		expect(lines.filter(line => line.startsWith('error: too many commands'))).not.toHaveLength(0);
	});

	it('rate 0 turns flood control off', async () => {
		const {port} = await start({rate: 0});
		const alice = await track(loginJson(port, 'alice', 'wonderland'));
		for (let id = 0; id < 200; id++) {
			alice.sendJson({type: 'command', id, line: '/users'});
		}

		for (let id = 0; id < 200; id++) {
			expect(await alice.nextEvent()).toMatchObject({type: 'ok', id});
		}
	});
});

describe('a client that pipelines faster than it reads', () => {
	it('is read more slowly (backpressure), not dropped: every reply comes, in order', async () => {
		const logger = new RecordingLogger();
		const {port} = await start({rate: 0, maxOutboundBytes: 64 * 1024, logger});
		const alice = await track(loginJson(port, 'alice', 'wonderland'));
		// It stops reading, then sends far more than the kernel's buffers and the server's bound hold in replies.
		alice.stream.pause();
		const count = 20_000;
		const lines: string[] = [];
		for (let id = 0; id < count; id++) {
			lines.push(JSON.stringify({type: 'command', id, line: '/help'}));
		}

		alice.stream.write(`${lines.join('\n')}\n`);
		// The server takes what it can, answers, then waits for alice to read: its input stops.
		await logger.waitFor(entry => entry.event === 'command' || entry.event === 'connect');
		alice.stream.resume();
		let next = 0;
		while (next < count) {
			// eslint-disable-next-line no-await-in-loop
			const event = await alice.waitForEvent(event => event.type === 'ok' || event.type === 'error', 20_000);
			expect(event).toMatchObject({type: 'ok', id: next});
			next++;
		}

		expect(logger.entries.filter(entry => entry.event === 'slow_reader')).toEqual([]);
	}, 60_000);
});

describe('a reader that never reads', () => {
	it('is dropped with a logged reason while everyone else keeps chatting', async () => {
		const logger = new RecordingLogger();
		const {port} = await start({rate: 0, maxOutboundBytes: 256 * 1024, logger});
		const sender = await track(loginJson(port, 'alice', 'wonderland'));
		const reader = await track(loginJson(port, 'bob', 'builder'));
		const stuck = await track(loginJson(port, 'carol', 'christmas'));
		stuck.stream.pause();
		const text = 'x'.repeat(3900);
		let sent = 0;
		let dropped = false;
		logger.waitFor(entry => entry.event === 'slow_reader', 60_000).then(() => {
			dropped = true;
		}, () => {});
		// Kernel socket buffers take a few MB before the server's own buffer grows; send until it gives up on carol.
		while (!dropped && sent < 20_000) {
			for (let index = 0; index < 20; index++) {
				sender.sendJson({type: 'command', id: sent++, line: `/broadcast ${text}`});
			}

			await sender.waitForEvent(event => event.type === 'ok' && event.id === sent - 1, 20_000);
		}

		expect(dropped).toBe(true);
		const entry = await logger.waitFor(entry => entry.event === 'slow_reader');
		expect(entry.fields).toMatchObject({user: 'carol', limit: 262_144});
		await logger.waitFor(entry => entry.event === 'disconnect' && entry.fields.user === 'carol');

		// bob read along and got every broadcast; alice still chats.
		let received = 0;
		while (received < sent) {
			await reader.waitForEvent(event => event.type === 'broadcast', 20_000);
			received++;
		}

		sender.sendJson({type: 'command', id: 'who', line: '/users'});
		expect(await sender.waitForEvent(event => event.type === 'ok' && event.id === 'who')).toMatchObject({users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 1}]});
	}, 120_000);
});

describe('transport', () => {
	it('serves any duplex stream through handle()', async () => {
		const {server: natter} = await start();
		const [serverSide, clientSide] = duplexPair();
		natter.handle(serverSide, 'pair');
		const client = new LineSocket(clientSide);
		fixture.keep(client);
		client.sendJson({type: 'login', id: 1, user: 'dave', password: 'davespassword'});
		expect(await client.waitForEvent(event => event.type === 'login_ok')).toMatchObject({user: 'dave'});
		client.sendJson({type: 'command', id: 2, line: '/exit'});
		expect(await client.waitForEvent(event => event.type === 'bye')).toMatchObject({reason: 'exit'});
	});
});
