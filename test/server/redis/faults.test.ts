import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {createClient} from 'redis';
import {afterEach, describe, expect, it} from 'vitest';
import type {ChatMessage, ServerEvent} from '../../../source/protocol/index.js';
import {jsonCommand, loginJson, LineSocket} from '../../helpers/line-socket.js';
import {RecordingLogger} from '../../helpers/recording-logger.js';
import {clusterFixture} from '../../helpers/redis-cluster.js';
import {redisServerAvailable, redisSkipReason} from '../../helpers/redis-server.js';
import {killServes, spawnServe, type ServeProcess} from '../../helpers/serve-process.js';
import {testUsers, usersFileText} from '../../helpers/test-server.js';

if (!redisServerAvailable) {
	console.warn(redisSkipReason);
}

/** Messages (live or backlog) until the `resumed` line, which ends a catch-up. */
async function untilResumed(client: LineSocket): Promise<{messages: ChatMessage[]; resumed: ServerEvent}> {
	const messages: ChatMessage[] = [];
	for (;;) {
		// eslint-disable-next-line no-await-in-loop
		const event = await client.nextEvent();
		if (event.type === 'resumed') {
			return {messages, resumed: event};
		}

		if (event.type === 'msg') {
			messages.push(event);
		}
	}
}

describe.skipIf(!redisServerAvailable)('a cluster on Redis, when things break', () => {
	const cluster = clusterFixture({appendonly: true, presenceTtlMs: 1000});
	const processes: ServeProcess[] = [];
	const dirs: string[] = [];
	afterEach(async () => {
		await killServes(processes);
		await Promise.all(dirs.splice(0).map(async dir => rm(dir, {recursive: true, force: true})));
	});

	async function usersFile(): Promise<string> {
		const dir = await mkdtemp(path.join(tmpdir(), 'natter-redis-serve-'));
		dirs.push(dir);
		const file = path.join(dir, 'users.txt');
		await writeFile(file, usersFileText(testUsers));
		return file;
	}

	async function serve(args: readonly string[]): Promise<{port: number; process: ServeProcess}> {
		const started = spawnServe(args);
		processes.push(started);
		const {port} = await started.listening;
		return {port, process: started};
	}

	it('kill -9 of a node: nothing that got ok is lost, its user leaves presence within the TTL and resumes on another node without a duplicate or a hole', async () => {
		const users = await usersFile();
		const args = ['--port', '0', '--users', users, '--redis', cluster.redis().url, '--presence-ttl', '1', '--rate', '0'];
		const doomed = await serve(args);
		const survivor = await serve(args);
		const bob = cluster.keep(await loginJson(survivor.port, 'bob', testUsers.bob));
		const alice = cluster.keep(await loginJson(doomed.port, 'alice', testUsers.alice));
		for (let index = 1; index <= 10; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await jsonCommand(alice, `/msg bob before ${index}`)).toMatchObject({type: 'ok', message: {seq: index}});
		}

		await bob.waitForEvent(event => event.type === 'msg' && event.seq === 10);
		doomed.process.child.kill('SIGKILL');
		await doomed.process.exited;
		// Sent while the survivor still believes alice is online on the dead node: stored, and lost only live.
		for (let index = 1; index <= 3; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await jsonCommand(bob, `/msg alice while down ${index}`)).toMatchObject({type: 'ok'});
		}

		expect(await bob.waitForEvent(event => event.type === 'presence' && event.user === 'alice', 4000)).toMatchObject({online: false});
		for (let index = 1; index <= 2; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await jsonCommand(bob, `/msg alice offline ${index}`)).toMatchObject({type: 'ok', stored: true});
		}

		const back = cluster.keep(await loginJson(survivor.port, 'alice', testUsers.alice, {'@bob': 10}));
		const {messages, resumed} = await untilResumed(back);
		expect(messages.map(message => message.seq)).toEqual([11, 12, 13, 14, 15]);
		expect(messages.map(message => message.text)).toEqual(['while down 1', 'while down 2', 'while down 3', 'offline 1', 'offline 2']);
		expect(resumed).toMatchObject({messages: 5, gaps: 0});
		const history = await jsonCommand(back, '/history @bob 50');
		expect((history as unknown as {messages: ChatMessage[]}).messages.map(message => message.seq)).toEqual(Array.from({length: 15}, (_, index) => index + 1));
		expect(back.unread().filter(line => line.includes('"type":"msg"'))).toEqual([]);
	}, 20_000);

	it('Redis restarting mid-run: commands get unavailable, nothing crashes, the nodes reconnect and carry on where the streams left off', async () => {
		const firstLog = new RecordingLogger();
		const secondLog = new RecordingLogger();
		const [first] = await cluster.nodes(1, {logger: firstLog});
		const [second] = await cluster.nodes(1, {logger: secondLog});
		const alice = cluster.keep(await loginJson(first!.port, 'alice', testUsers.alice));
		const bob = cluster.keep(await loginJson(second!.port, 'bob', testUsers.bob));
		expect(await jsonCommand(alice, '/msg bob before')).toMatchObject({type: 'ok', message: {seq: 1}});
		expect(await bob.waitForEvent(event => event.type === 'msg')).toMatchObject({seq: 1});

		await cluster.redis().kill();
		await firstLog.waitFor(entry => entry.event === 'redis_down');
		const refused = await jsonCommand(alice, '/msg bob during');
		expect(refused).toMatchObject({type: 'error', code: 'unavailable'});
		expect((refused as {message: string}).message).toContain('Redis');
		const carol = cluster.keep(await LineSocket.connect(second!.port));
		carol.sendJson({type: 'hello', protocol: 2, client: 'test'});
		carol.sendJson({type: 'login', id: 'login', user: 'carol', password: testUsers.carol});
		expect(await carol.waitForEvent(event => event.type === 'error')).toMatchObject({code: 'unavailable'});
		// What needs no Redis still works.
		expect(await jsonCommand(bob, '/help msg')).toMatchObject({type: 'ok'});

		await cluster.redis().restart();
		await Promise.all([firstLog, secondLog].map(async log => log.waitFor(entry => entry.event === 'redis_up', 10_000)));
		for (let index = 1; index <= 10; index++) {
			alice.sendJson({type: 'command', id: `after-${index}`, line: `/msg bob after ${index}`});
		}

		const received: ChatMessage[] = [];
		while (received.length < 10) {
			// eslint-disable-next-line no-await-in-loop
			received.push(await bob.waitForEvent<ChatMessage>(event => event.type === 'msg'));
		}

		// The seqs go on from the stream that outlived the restart (appendonly).
		expect(received.map(message => message.seq)).toEqual(Array.from({length: 10}, (_, index) => index + 2));
		expect(received.map(message => message.text)).toEqual(Array.from({length: 10}, (_, index) => `after ${index + 1}`));
		expect(firstLog.entries.filter(entry => entry.level === 'error' && entry.event === 'error')).toEqual([]);
	}, 20_000);

	it('a Redis that stops answering (SIGSTOP): commands get unavailable within the command timeout, what needs no Redis answers, and all comes back', async () => {
		const log = new RecordingLogger();
		const [node] = await cluster.nodes(1, {logger: log});
		const alice = cluster.keep(await loginJson(node!.port, 'alice', testUsers.alice));
		const bob = cluster.keep(await loginJson(node!.port, 'bob', testUsers.bob));
		expect(await jsonCommand(alice, '/msg bob before')).toMatchObject({type: 'ok'});
		cluster.redis().pause();
		try {
			const refused = await jsonCommand(alice, '/msg bob during');
			expect(refused).toMatchObject({type: 'error', code: 'unavailable'});
			// It had reached Redis, which may still carry it out: the reply cannot say nothing changed.
			expect((refused as {message: string}).message).toMatch(/^the server could not confirm this \(Redis: command connection: no reply within 2000 ms.*\); it may still be carried out/);
			expect(await log.waitFor(entry => entry.event === 'redis_down')).toMatchObject({level: 'error'});
			// The session is not stuck behind it, and what needs no Redis still answers.
			expect(await jsonCommand(alice, '/help msg')).toMatchObject({type: 'ok'});
			// Known hung now: refused at once, before anything is sent.
			const refusedAtOnce = await jsonCommand(bob, '/msg alice also during');
			expect(refusedAtOnce).toMatchObject({type: 'error', code: 'unavailable'});
			expect((refusedAtOnce as {message: string}).message).toContain('nothing was changed');
		} finally {
			cluster.redis().resume();
		}

		await log.waitFor(entry => entry.event === 'redis_up', 10_000);
		expect(await jsonCommand(alice, '/msg bob after')).toMatchObject({type: 'ok'});
		expect(await bob.waitForEvent(event => event.type === 'msg' && event.text === 'after')).toBeDefined();
	}, 20_000);

	it('a node whose subscription dropped gets the messages it missed from the streams, once each', async () => {
		const secondLog = new RecordingLogger();
		const [first] = await cluster.nodes(1);
		const [second] = await cluster.nodes(1, {logger: secondLog});
		const alice = cluster.keep(await loginJson(first!.port, 'alice', testUsers.alice));
		const bob = cluster.keep(await loginJson(second!.port, 'bob', testUsers.bob));
		expect(await jsonCommand(alice, '/msg bob hello')).toMatchObject({type: 'ok'});
		await bob.waitForEvent(event => event.type === 'msg');

		const admin = createClient({url: cluster.redis().url});
		await admin.connect();
		// Every node's pub/sub connection is cut; the append connections stay, so appends go on while the nodes are deaf.
		await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
		for (let index = 1; index <= 5; index++) {
			alice.sendJson({type: 'command', id: `deaf-${index}`, line: `/msg bob deaf ${index}`});
		}

		await admin.close();
		const received: ChatMessage[] = [];
		while (received.length < 5) {
			// eslint-disable-next-line no-await-in-loop
			received.push(await bob.waitForEvent<ChatMessage>(event => event.type === 'msg', 10_000));
		}

		expect(received.map(message => message.text)).toEqual(['deaf 1', 'deaf 2', 'deaf 3', 'deaf 4', 'deaf 5']);
		await secondLog.waitFor(entry => entry.event === 'redis_up');
		expect(await jsonCommand(bob, '/msg alice still here')).toMatchObject({type: 'ok', message: {seq: 7}});
		expect(bob.unread().filter(line => line.includes('"type":"msg"'))).toEqual([]);
	}, 20_000);

	it('ignores junk published on its channels and carries on', async () => {
		const [first, second] = await cluster.nodes(2);
		const alice = cluster.keep(await loginJson(first!.port, 'alice', testUsers.alice));
		const bob = cluster.keep(await loginJson(second!.port, 'bob', testUsers.bob));
		const admin = createClient({url: cluster.redis().url});
		await admin.connect();
		for (const [channel, payload] of [['natter:all', 'not json'], ['natter:all', '{"o":"x"}\n{broken'], ['natter:presence', 'ghost bob many'], ['natter:presence', ''], ['natter:members', '']]) {
			// eslint-disable-next-line no-await-in-loop
			await admin.publish(channel!, payload!);
		}

		await admin.close();
		expect(await jsonCommand(alice, '/users')).toMatchObject({text: '2 users online: alice, bob'});
		expect(await jsonCommand(alice, '/msg bob still fine')).toMatchObject({type: 'ok', recipients: 1});
		expect(await bob.waitForEvent(event => event.type === 'msg')).toMatchObject({text: 'still fine'});
	});

	it('Redis down at start: natter serve exits 1 and says it cannot reach Redis', async () => {
		const users = await usersFile();
		const down = spawnServe(['--port', '0', '--users', users, '--redis', 'redis://127.0.0.1:1']);
		processes.push(down);
		expect(await down.exited).toBe(1);
		expect(down.stderr()).toContain('natter serve: cannot start: cannot reach Redis at redis://127.0.0.1:1');
	});

	it('refuses a bad --redis URL, --data or --history-days with --redis, and --presence-ttl without it (exit 2)', async () => {
		const users = await usersFile();
		const cases: Array<[string[], string]> = [
			[['--redis', 'localhost:6379'], '--redis must be redis://'],
			[['--redis', 'redis://127.0.0.1:1', '--data', 'x.db'], '--data does not go with --redis'],
			[['--redis', 'redis://127.0.0.1:1', '--history-days', '3'], '--history-days does not go with --redis'],
			[['--presence-ttl', '2'], '--presence-ttl needs --redis'],
			[['--redis', 'redis://127.0.0.1:1', '--presence-ttl', '0'], '--presence-ttl must be a number 0.3 to 3600'],
		];
		for (const [args, message] of cases) {
			const refused = spawnServe(['--port', '0', '--users', users, ...args]);
			processes.push(refused);
			// eslint-disable-next-line no-await-in-loop
			expect(await refused.exited).toBe(2);
			expect(refused.stderr()).toContain(message);
		}
	});
});
