import {Buffer} from 'node:buffer';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, test, vi} from 'vitest';
import {ChatConnection} from '../../source/client/connection.js';
import type {ServerEvent} from '../../source/protocol/index.js';
import {PipeProcess, type PipeEvent} from '../helpers/pipe-process.js';
import {startTestServer, testUsers, type TestServer} from '../helpers/test-server.js';

const started: PipeProcess[] = [];
const servers: TestServer[] = [];

function pipe(args: readonly string[], env: Record<string, string> = {}): PipeProcess {
	const child = PipeProcess.start(args, env);
	started.push(child);
	return child;
}

/** A pipe logged in to `server` as `user`, with the right password in NATTER_PASSWORD. */
function pipeAs(server: TestServer, user: keyof typeof testUsers, extra: readonly string[] = []): PipeProcess {
	return pipe(['--user', user, '--port', String(server.port), ...extra], {NATTER_PASSWORD: testUsers[user]});
}

async function serverFor(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
	const server = await startTestServer(options);
	servers.push(server);
	return server;
}

const ids = (events: PipeEvent[]) => events.map(event => event['id']);

/** The reply to request `id` (a message event's `id` is its message id, so match the type too). */
const replyTo = (id: number | string) => (event: PipeEvent) => (event.type === 'ok' || event.type === 'error') && event['id'] === id;

afterEach(() => {
	for (const child of started.splice(0)) {
		child.kill();
	}
});

afterAll(async () => {
	await Promise.all(servers.map(async server => server.close()));
});

describe('natter pipe: usage', () => {
	test('--help prints the usage and exits 0', async () => {
		const child = pipe(['--help']);
		const chunks: string[] = [];
		child.child.stdout.on('data', (chunk: string) => chunks.push(chunk));
		expect(await child.exit).toEqual({code: 0, signal: null});
		const help = chunks.join('');
		expect(help).toContain('natter pipe --user NAME');
		expect(help).toContain('NATTER_PASSWORD');
		expect(help).toContain('--password-file');
		expect(help).toContain('--cursor');
		expect(help).toMatch(/atomically/);
	});

	test('no password: exit 2 with a message saying where a password comes from', async () => {
		const child = pipe(['--user', 'alice', '--port', '1']);
		expect((await child.exit).code).toBe(2);
		expect(child.stderr).toMatch(/no password: set NATTER_PASSWORD or give --password-file/);
		expect(child.events).toEqual([]);
	});

	test('no user: exit 2', async () => {
		const child = pipe(['--port', '1'], {NATTER_PASSWORD: 'x'});
		expect((await child.exit).code).toBe(2);
		expect(child.stderr).toContain('no user');
	});

	test.each([
		[['--user', 'alice', '--port', 'http'], 'invalid port'],
		[['--user', 'alice', '--port', '70000'], 'invalid port'],
		[['--user', 'al ice'], 'invalid user'],
		[['--user', 'alice', 'extra'], 'unexpected argument'],
		[['--user', 'alice', '--password-file', '/nonexistent/natter-password'], 'cannot read the password file'],
	])('bad usage %j: exit 2', async (args, message) => {
		const child = pipe(args, {NATTER_PASSWORD: 'x'});
		expect((await child.exit).code).toBe(2);
		expect(child.stderr).toContain(message);
	});

	test('an unknown flag: exit 2', async () => {
		const child = pipe(['--user', 'alice', '--pasword', 'x'], {NATTER_PASSWORD: 'x'});
		expect((await child.exit).code).toBe(2);
	});
});

describe('natter pipe: against a real server', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await serverFor();
	});

	test('auth failure: exit 1, a message on stderr, the server\'s error on stdout', async () => {
		const child = pipe(['--user', 'alice', '--port', String(server.port)], {NATTER_PASSWORD: 'not-her-password'});
		child.end();
		expect((await child.exit).code).toBe(1);
		expect(child.stderr).toMatch(/^natter pipe: login failed: invalid username or password/);
		expect(child.events.at(-1)).toMatchObject({type: 'error', id: 'login', code: 'auth_failed'});
	});

	test('an unknown user fails the same way', async () => {
		const child = pipe(['--user', 'mallory', '--port', String(server.port)], {NATTER_PASSWORD: 'x'});
		child.end();
		expect((await child.exit).code).toBe(1);
		expect(child.stderr).toContain('login failed');
	});

	test('nothing listening: exit 1 with the address in the message', async () => {
		const closed = net.createServer();
		await new Promise<void>(resolve => {
			closed.listen(0, '127.0.0.1', resolve);
		});
		const {port} = closed.address() as net.AddressInfo;
		await new Promise<void>(resolve => {
			closed.close(() => {
				resolve();
			});
		});
		const child = pipe(['--user', 'alice', '--port', String(port)], {NATTER_PASSWORD: 'x'});
		expect((await child.exit).code).toBe(1);
		expect(child.stderr).toContain(`127.0.0.1:${port}`);
	});

	test('env NATTER_USER, NATTER_HOST, NATTER_PORT; the password from the first line of --password-file', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'natter-pipe-'));
		try {
			const file = path.join(dir, 'password');
			await writeFile(file, `${testUsers.carol}\r\nnot the password\n`);
			const child = pipe(['--password-file', file], {NATTER_USER: 'Carol', NATTER_HOST: '127.0.0.1', NATTER_PORT: String(server.port), NATTER_PASSWORD: 'wrong'});
			child.send('/users');
			child.end();
			expect((await child.exit).code).toBe(0);
			expect(await child.loggedIn()).toMatchObject({user: 'carol'});
			expect(child.replies()[0]).toMatchObject({type: 'ok', command: 'users', id: 1});
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});

	test('empty stdin: logs in, leaves with /exit, exit 0', async () => {
		const child = pipeAs(server, 'dave');
		child.end();
		expect(await child.exit).toEqual({code: 0, signal: null});
		expect(child.events.map(event => event.type)).toEqual(['welcome', 'login_ok', 'ok', 'bye']);
		expect(child.events[0]).toMatchObject({type: 'welcome', protocol: 2, server: 'natter'});
		expect(child.events.slice(2)).toMatchObject([{type: 'ok', command: 'exit', id: 'exit'}, {type: 'bye', reason: 'exit'}]);
		expect(child.junk).toEqual([]);
		expect(child.stderr).toBe('');
	});

	test('a bot conversation between two pipes', async () => {
		const alice = pipeAs(server, 'alice');
		await alice.loggedIn();
		const bob = pipeAs(server, 'bob');
		await bob.loggedIn();
		await alice.waitFor(event => event.type === 'presence' && event['user'] === 'bob' && event['online'] === true, 'bob online');

		alice.send('/msg bob hi bob, build 42 is green');
		const dm = await bob.waitFor(event => event.type === 'msg', 'the private message');
		expect(dm).toMatchObject({from: 'alice', to: 'bob', text: 'hi bob, build 42 is green'});
		expect(typeof dm['msgid']).toBe('string');
		expect(typeof dm['seq']).toBe('number');
		expect(Number.isNaN(Date.parse(dm['ts'] as string))).toBe(false);
		expect(await alice.waitFor(replyTo(1), 'the reply')).toMatchObject({type: 'ok', command: 'msg', recipients: 1});

		bob.send('/create_group ci');
		await bob.waitFor(replyTo(1), 'create_group reply');
		alice.send('/join_group CI');
		await bob.waitFor(event => event.type === 'membership' && event['user'] === 'alice', 'alice joining');
		bob.send('/group_msg ci  thanks,  deploying now ');
		expect(await alice.waitFor(event => event.type === 'group_msg', 'the group message')).toMatchObject({from: 'bob', group: 'ci', text: 'thanks,  deploying now '});

		alice.end();
		expect((await alice.exit).code).toBe(0);
		await bob.waitFor(event => event.type === 'presence' && event['user'] === 'alice' && event['online'] === false, 'alice offline');
		bob.end();
		expect((await bob.exit).code).toBe(0);

		expect(alice.replies()).toMatchObject([
			{type: 'ok', command: 'msg', id: 1},
			{type: 'ok', command: 'join_group', group: 'ci', id: 2},
			{type: 'ok', command: 'exit', id: 'exit'},
		]);
		expect(bob.replies()).toMatchObject([
			{type: 'ok', command: 'create_group', id: 1},
			{type: 'ok', command: 'group_msg', recipients: 1, id: 2},
			{type: 'ok', command: 'exit', id: 'exit'},
		]);
		// Nobody reads what was not meant for them: alice never sees her own DM come back as an event.
		expect(alice.events.filter(event => event.type === 'msg')).toEqual([]);
	});

	test('bad lines get typed errors, the pipe goes on, and replies come in input order', async () => {
		const child = pipeAs(server, 'carol');
		const lines: Array<string | Buffer> = [
			'/create_group ops', // 1
			'hello', // 2: not a command
			'/msg', // 3: usage
			'', // 4: skipped
			'/dance', // 5: unknown command
			'/members OPS', // 6
			'/msg BOB   spaced  out  ', // 7: bob is offline: stored for his next login
			'x'.repeat(9000), // 8: too long
			Buffer.from([0x2F, 0x6D, 0x73, 0x67, 0x20, 0xFF, 0xFE]), // 9: invalid UTF-8
			'   ', // 10: skipped
			'/join_group ops', // 11: already a member (server error)
			'/broadcast ', // 12: usage (empty text)
			'/groups', // 13
		];
		child.send(Buffer.concat(lines.map(line => Buffer.concat([typeof line === 'string' ? Buffer.from(line) : line, Buffer.from('\r\n')]))));
		child.end();
		expect((await child.exit).code).toBe(0);
		const replies = child.replies();
		expect(ids(replies)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 'exit']);
		expect(replies.map(reply => reply['code'] ?? reply['command'])).toEqual([
			'create_group',
			'not_a_command',
			'usage',
			'unknown_command',
			'members',
			'msg',
			'line_too_long',
			'invalid_utf8',
			'already_member',
			'usage',
			'groups',
			'exit',
		]);
		expect(replies[2]).toEqual({type: 'error', id: 3, code: 'usage', message: 'usage: /msg <user> <text>'});
		expect(replies[4]).toMatchObject({group: 'ops', members: [{name: 'carol', online: true}]});
		expect(replies[5]).toMatchObject({command: 'msg', stored: true, message: {to: 'bob', text: 'spaced  out  '}});
		expect(child.junk).toEqual([]);
	});

	test('ordering: 25 commands sent at once get their replies in order, one each', async () => {
		const child = pipeAs(server, 'dave');
		const lines = Array.from({length: 25}, (_, index) => (index % 5 === 4 ? `oops ${index + 1}` : `/broadcast number ${index + 1}`));
		child.send(lines.join('\n'));
		child.end();
		expect((await child.exit).code).toBe(0);
		const replies = child.replies();
		expect(ids(replies)).toEqual([...Array.from({length: 25}, (_, index) => index + 1), 'exit']);
		for (const [index, reply] of replies.slice(0, 25).entries()) {
			if (index % 5 === 4) {
				expect(reply).toMatchObject({type: 'error', code: 'not_a_command'});
			} else {
				expect(reply).toMatchObject({type: 'ok', command: 'broadcast', message: {text: `number ${index + 1}`}});
			}
		}

		// Broadcast seqs grow in the order the commands were given.
		const messageIds = replies.flatMap(reply => (reply.type === 'ok' && reply['command'] === 'broadcast' ? [(reply['message'] as {seq: number}).seq] : []));
		expect(messageIds).toHaveLength(20);
		expect(messageIds).toEqual([...messageIds].sort((a, b) => a - b));
	});

	test('past the server\'s flood limit, commands wait and are sent again: every line gets its ok, in order', async () => {
		const burst = 5;
		const limited = await serverFor({rate: 20, burst});
		const child = pipeAs(limited, 'bob');
		const count = burst + 10;
		child.send(Array.from({length: count}, (_, index) => `/broadcast tick ${index + 1}`).join('\n'));
		child.end();
		expect((await child.exit).code).toBe(0);
		const replies = child.replies();
		expect(replies.filter(reply => reply.type === 'error')).toEqual([]);
		expect(replies.map(reply => (reply['message'] as {text?: string} | undefined)?.text ?? reply['command'])).toEqual([
			...Array.from({length: count}, (_, index) => `tick ${index + 1}`),
			'exit',
		]);
	});

	test('/exit on stdin ends the session after its reply; later lines are not sent', async () => {
		const child = pipeAs(server, 'alice');
		child.send('/users\n/exit\n/create_group never');
		expect((await child.exit).code).toBe(0);
		expect(child.events.slice(2)).toMatchObject([
			{type: 'ok', command: 'users', id: 1},
			{type: 'ok', command: 'exit', id: 2},
			{type: 'bye', reason: 'exit'},
		]);
		expect(child.events).toHaveLength(5);
		const check = pipeAs(server, 'alice');
		check.send('/members never');
		check.end();
		await check.exit;
		expect(check.replies()[0]).toMatchObject({type: 'error', code: 'no_such_group'});
	});
});

describe('natter pipe --cursor: a script resumes where its last run stopped', () => {
	async function readCursor(file: string): Promise<Record<string, number>> {
		return JSON.parse(await readFile(file, 'utf8')) as Record<string, number>;
	}

	const texts = (events: PipeEvent[]) => events.filter(event => ['msg', 'group_msg', 'broadcast'].includes(event.type)).map(event => event['text']);

	/** A server where bob made #dev and alice joined it, bob still connected; a temp dir for alice's cursor file. */
	async function aliceInDev(): Promise<{server: TestServer; dir: string; cursor: string; bob: ChatConnection}> {
		const server = await serverFor();
		const dir = await mkdtemp(path.join(tmpdir(), 'natter-cursor-'));
		const bob = await ChatConnection.open({host: server.host, port: server.port, user: 'bob', password: testUsers.bob});
		await bob.request('/create_group dev');
		const alice = await ChatConnection.open({host: server.host, port: server.port, user: 'alice', password: testUsers.alice});
		await alice.request('/join_group dev');
		await alice.close();
		return {server, dir, cursor: path.join(dir, 'alice.cursor'), bob};
	}

	test('the first run starts without a file and writes it; the next run gets exactly what it missed; a kill still leaves it up to date', async () => {
		const {server, dir, cursor, bob} = await aliceInDev();
		try {

			const first = pipeAs(server, 'alice', ['--cursor', cursor]);
			await first.loggedIn();
			await bob.request('/group_msg dev one');
			await bob.request('/msg alice psst');
			const two = await bob.request('/group_msg dev two');
			const hear = await bob.request('/broadcast hear ye');
			await first.waitFor(event => event.type === 'broadcast', 'the broadcast');
			// Written while running, not only at exit.
			await vi.waitFor(async () => {
				expect(await readCursor(cursor)).toMatchObject({'*': (hear as {message: {seq: number}}).message.seq});
			});
			first.end();
			expect((await first.exit).code).toBe(0);
			const afterFirst = await readCursor(cursor);
			expect(afterFirst).toEqual({
				'#dev': (two as {message: {seq: number}}).message.seq,
				'@bob': expect.any(Number) as number,
				'*': (hear as {message: {seq: number}}).message.seq,
			});

			// While no pipe runs: one group message and one stored direct message.
			await bob.request('/group_msg dev three');
			expect(await bob.request('/msg alice while you were away')).toMatchObject({type: 'ok', stored: true});

			const second = pipeAs(server, 'alice', ['--cursor', cursor]);
			const resumed = await second.waitFor(event => event.type === 'resumed', 'the end of the resume');
			const start = second.events.findIndex(event => event.type === 'login_ok');
			const missed = second.events.slice(start + 1, second.events.indexOf(resumed));
			expect(texts(missed).sort()).toEqual(['three', 'while you were away']);
			expect(texts(second.events)).not.toContain('one');
			expect(texts(second.events)).not.toContain('psst');
			second.end();
			expect((await second.exit).code).toBe(0);
			const afterSecond = await readCursor(cursor);
			expect(afterSecond['#dev']).toBe(afterFirst['#dev']! + 1);
			expect(afterSecond['@bob']).toBe(afterFirst['@bob']! + 1);

			// Killed right after a message: the cursor still has it.
			const third = pipeAs(server, 'alice', ['--cursor', cursor]);
			await third.waitFor(event => event.type === 'resumed', 'the (empty) resume');
			expect(texts(third.events)).toEqual([]);
			await bob.request('/group_msg dev four');
			await third.waitFor(event => event.type === 'group_msg', 'the live message');
			third.child.kill('SIGTERM');
			expect((await third.exit).code).toBe(143);
			expect((await readCursor(cursor))['#dev']).toBe(afterFirst['#dev']! + 2);
			// Written by renaming a temp file over it: nothing else is left beside it.
			expect(await readdir(dir)).toEqual(['alice.cursor']);
		} finally {
			await bob.close();
			await rm(dir, {recursive: true, force: true});
		}
	});

	test('a cursor too big for one line still resumes, over several hellos', async () => {
		const {server, dir, cursor, bob} = await aliceInDev();
		try {
			const one = await bob.request('/group_msg dev one') as {message: {seq: number}};
			await bob.request('/group_msg dev two');
			await bob.request('/group_msg dev three');
			// Groups alice was in once (gone now): 400 long names, about 16 KB of resume points.
			const gone = Object.fromEntries(Array.from({length: 400}, (_, index) => [`#groupname-quite-long-abcd-${String(index).padStart(3, '0')}`, 123_456]));
			await writeFile(cursor, JSON.stringify({...gone, '#dev': one.message.seq}));
			const resuming = pipeAs(server, 'alice', ['--cursor', cursor]);
			const resumed = await resuming.waitFor(event => event.type === 'resumed', 'the end of the resume');
			expect(resumed).toMatchObject({messages: 2});
			expect(texts(resuming.events)).toEqual(['two', 'three']);
			resuming.end();
			expect((await resuming.exit).code).toBe(0);

		} finally {
			await bob.close();
			await rm(dir, {recursive: true, force: true});
		}
	});

	test('a cursor file that is not a cursor: exit 2, saying what is wrong, before connecting', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'natter-cursor-'));
		try {
			for (const [text, message] of [['{"#dev": -1}', 'whole number'], ['[1, 2]', 'not a JSON object'], ['{"dev": 3}', '#group, @user or *'], ['{oops', 'not JSON']] as const) {
				const file = path.join(dir, 'bad.cursor');
				await writeFile(file, text);
				const child = pipe(['--user', 'alice', '--port', '1', '--cursor', file], {NATTER_PASSWORD: 'x'});
				expect((await child.exit).code).toBe(2);
				expect(child.stderr).toContain('is not valid');
				expect(child.stderr).toContain(message);
			}
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});
});

describe('natter pipe: losing the server', () => {
	test('server shut down: the bye is printed, exit 1 with a message, even with stdin still open', async () => {
		const server = await serverFor();
		const child = pipeAs(server, 'alice');
		await child.loggedIn();
		await server.server.close();
		const exit = await child.exit;
		expect(exit.code).toBe(1);
		expect(child.events.at(-1)).toMatchObject({type: 'bye', reason: 'shutdown'});
		expect(child.stderr).toMatch(/^natter pipe: connection lost \(shutdown: /);
	});

	test('connection cut without a bye (network loss): exit 1', async () => {
		const server = await serverFor();
		const proxy = await startProxy(server.port);
		const child = pipe(['--user', 'bob', '--port', String(proxy.port)], {NATTER_PASSWORD: testUsers.bob});
		await child.loggedIn();
		child.send('/users');
		await child.waitFor(replyTo(1), 'the reply to /users');
		proxy.cut();
		expect((await child.exit).code).toBe(1);
		expect(child.events.some(event => event.type === 'bye')).toBe(false);
		expect(child.stderr).toContain('natter pipe: connection lost');
	});

	test('a slow stdout consumer: the pipe stops reading the server instead of buffering, and the server drops it', async () => {
		const maxOutboundBytes = 64 * 1024;
		const server = await serverFor({rate: 0, maxOutboundBytes});
		const child = pipeAs(server, 'bob');
		await child.loggedIn();
		const alice = await ChatConnection.open({host: server.host, port: server.port, user: 'alice', password: testUsers.alice});
		try {
			const bobLeft = new Promise<void>(resolve => {
				alice.on('event', (event: ServerEvent) => {
					if (event.type === 'presence' && event.user === 'bob' && !event.online) {
						resolve();
					}
				});
			});
			child.child.stdout.pause();
			// ~16 MB of broadcasts: more than every buffer between the server and a reader that does not read.
			const text = 'x'.repeat(4000);
			const count = 4000;
			let sent = 0;
			let dropped = false;
			void bobLeft.then(() => {
				dropped = true;
			});
			while (sent < count && !dropped) {
				const batch = Array.from({length: 100}, async () => alice.request(`/broadcast ${text}`));
				sent += batch.length;
				// eslint-disable-next-line no-await-in-loop
				await Promise.all(batch);
			}

			// Had the pipe kept reading into its own memory, the server would never see a slow reader.
			await Promise.race([bobLeft, failAfter(10_000, `the server never dropped bob after ${sent} broadcasts: the pipe kept reading`)]);
			child.child.stdout.resume();
			expect((await child.exit).code).toBe(1);
			const received = child.events.filter(event => event.type === 'broadcast').length;
			expect(received).toBeLessThan(sent);
			expect(child.stderr).toContain('connection lost');
		} finally {
			alice.destroy();
		}
	});
});

async function failAfter(ms: number, message: string): Promise<never> {
	return new Promise((_resolve, reject) => {
		setTimeout(() => {
			reject(new Error(message));
		}, ms).unref();
	});
}

type Proxy = {readonly port: number; cut(): void};

/** A TCP relay to the server that can drop every connection at once, like a network failure. */
async function startProxy(targetPort: number): Promise<Proxy> {
	const sockets = new Set<net.Socket>();
	const relay = net.createServer(client => {
		const upstream = net.connect({port: targetPort, host: '127.0.0.1'});
		sockets.add(client).add(upstream);
		client.pipe(upstream).pipe(client);
		client.on('error', () => {});
		upstream.on('error', () => {});
	});
	await new Promise<void>(resolve => {
		relay.listen(0, '127.0.0.1', resolve);
	});
	return {
		port: (relay.address() as net.AddressInfo).port,
		cut() {
			relay.close();
			for (const socket of sockets) {
				socket.resetAndDestroy();
			}
		},
	};
}
