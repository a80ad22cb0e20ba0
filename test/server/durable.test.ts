import {spawnSync} from 'node:child_process';
import {mkdtemp, rm, writeFile, chmod, mkdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {ChatMessage, ServerEvent} from '../../source/protocol/index.js';
import {LineSocket, loginJson, loginText, jsonCommand} from '../helpers/line-socket.js';
import {spawnServe, type ServeProcess, killServes} from '../helpers/serve-process.js';
import {testUsers, usersFileText} from '../helpers/test-server.js';

const dirs: string[] = [];
const servers: ServeProcess[] = [];
const clients: LineSocket[] = [];

afterEach(async () => {
	for (const client of clients.splice(0)) {
		client.destroy();
	}

	await killServes(servers);

	await Promise.all(dirs.splice(0).map(async dir => rm(dir, {recursive: true, force: true})));
});

async function tempDir(): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'natter-durable-'));
	dirs.push(dir);
	await writeFile(path.join(dir, 'users.txt'), usersFileText(testUsers));
	return dir;
}

async function serve(dir: string, ...extra: string[]): Promise<{server: ServeProcess; port: number}> {
	const server = spawnServe(['--port', '0', '--users', path.join(dir, 'users.txt'), '--rate', '0', ...extra]);
	servers.push(server);
	const {port} = await server.listening;
	return {server, port};
}

async function login(port: number, user: keyof typeof testUsers, resume?: Record<string, number>): Promise<LineSocket> {
	const client = await loginJson(port, user, testUsers[user], resume);
	clients.push(client);
	return client;
}

const command = jsonCommand;

async function history(client: LineSocket, line: string): Promise<ChatMessage[]> {
	const reply = await command(client, line);
	if (reply.type !== 'ok' || reply.command !== 'history') {
		throw new Error(`expected a history reply, got ${JSON.stringify(reply)}`);
	}

	return [...reply.messages];
}

/** Kills the server (SIGKILL or SIGTERM) and waits for it to be gone. */
async function stop(server: ServeProcess, signal: NodeJS.Signals): Promise<void> {
	server.child.kill(signal);
	await server.exited;
}

describe('durable by default', () => {
	it.each<NodeJS.Signals>(['SIGKILL', 'SIGTERM'])('keeps groups, members, messages, read markers and waiting DMs across a restart (%s)', async signal => {
		const dir = await tempDir();
		const first = await serve(dir);
		// No --data: the file is natter.db beside the users file.
		expect(first.server.stderr()).toContain(path.join(dir, 'natter.db'));
		const alice = await login(first.port, 'alice');
		const bob = await login(first.port, 'bob');
		expect(await command(alice, '/create_group dev')).toMatchObject({type: 'ok'});
		expect(await command(bob, '/join_group dev')).toMatchObject({type: 'ok'});
		const sent: string[] = [];
		for (let index = 1; index <= 30; index++) {
			const text = `message ${index}`;
			// eslint-disable-next-line no-await-in-loop
			expect(await command(index % 2 === 0 ? alice : bob, `/group_msg dev ${text}`)).toMatchObject({type: 'ok', message: {seq: index}});
			sent.push(text);
		}

		expect(await command(alice, '/msg bob private hello')).toMatchObject({type: 'ok', message: {seq: 1}});
		expect(await command(bob, '/read #dev 20')).toMatchObject({type: 'ok', seq: 20});
		expect(await command(alice, '/msg carol while you were out')).toMatchObject({type: 'ok', stored: true});
		await stop(first.server, signal);

		const second = await serve(dir);
		const bobAgain = await login(second.port, 'bob');
		expect(await command(bobAgain, '/members dev')).toMatchObject({members: [{name: 'alice'}, {name: 'bob'}]});
		expect((await history(bobAgain, '/history #dev 100')).map(message => message.text)).toEqual(sent);
		expect(await history(bobAgain, '/history @alice')).toMatchObject([{text: 'private hello', from: 'alice'}]);
		const summary = bobAgain.lines.map(line => (line.startsWith('{') ? JSON.parse(line) as ServerEvent : undefined)).find(event => event?.type === 'login_ok');
		expect(summary).toMatchObject({conversations: expect.arrayContaining([{conversation: '#dev', last_seq: 30, read_seq: 20, unread: 10}, {conversation: '@alice', last_seq: 1, read_seq: 0, unread: 1}])});
		// Seqs continue: nothing is numbered twice.
		expect(await command(bobAgain, '/group_msg dev after the restart')).toMatchObject({type: 'ok', message: {seq: 31}});
		const carol = await login(second.port, 'carol');
		expect(await carol.waitForEvent(event => event.type === 'msg')).toMatchObject({from: 'alice', to: 'carol', text: 'while you were out'});
	});

	it('delivers a DM to an offline user once, at their next login, to nc users too', async () => {
		const dir = await tempDir();
		const {port} = await serve(dir);
		const alice = await login(port, 'alice');
		expect(await command(alice, '/msg bob are you there')).toMatchObject({type: 'ok', stored: true, recipients: 0, text: 'bob is offline: stored, delivered when they next log in'});
		const bob = await loginText(port, 'bob', testUsers.bob);
		clients.push(bob);
		expect(bob.lines.find(line => line.startsWith('ok: welcome'))).toContain('1 message arrived while you were away');
		expect(await bob.waitFor(line => line.includes('[private]'))).toMatch(/\[private\] alice -> bob: are you there$/);
		const bob2 = await login(port, 'bob');
		// The second session got no copy: the next thing it reads is its own reply.
		bob2.sendJson({type: 'command', id: 'who', line: '/users'});
		expect(await bob2.waitForEvent(event => event.type === 'msg' || (event.type === 'ok' && event.id === 'who'))).toMatchObject({type: 'ok'});
	});

	it('resumes a client with exactly what it missed, across a kill -9, or a gap past the cap', async () => {
		const dir = await tempDir();
		const first = await serve(dir, '--data', path.join(dir, 'chat.db'));
		const alice = await login(first.port, 'alice');
		const bob = await login(first.port, 'bob');
		await command(alice, '/create_group dev');
		await command(bob, '/join_group dev');
		for (let index = 1; index <= 5; index++) {
			// eslint-disable-next-line no-await-in-loop
			await command(alice, `/group_msg dev seen ${index}`);
		}

		await bob.waitForEvent(event => event.type === 'group_msg' && event.seq === 5);
		bob.destroy();
		for (let index = 1; index <= 10; index++) {
			// eslint-disable-next-line no-await-in-loop
			await command(alice, `/group_msg dev missed ${index}`);
		}

		await stop(first.server, 'SIGKILL');
		const second = await serve(dir, '--data', path.join(dir, 'chat.db'));
		const back = await login(second.port, 'bob', {'#dev': 5});
		const resumed = await back.waitForEvent(event => event.type === 'resumed');
		expect(resumed).toEqual({type: 'resumed', messages: 10, gaps: 0});
		const messages = back.lines.flatMap(line => {
			const event = line.startsWith('{') ? JSON.parse(line) as ServerEvent : undefined;
			return event?.type === 'group_msg' ? [event] : [];
		});
		expect(messages.map(message => message.text)).toEqual(Array.from({length: 10}, (_, index) => `missed ${index + 1}`));
		expect(messages.map(message => message.seq)).toEqual(Array.from({length: 10}, (_, index) => index + 6));

		const aliceAgain = await login(second.port, 'alice');
		for (let index = 1; index <= 1005; index++) {
			aliceAgain.sendJson({type: 'command', line: `/group_msg dev flood ${index}`});
		}

		await aliceAgain.waitForEvent(event => event.type === 'ok' && event.command === 'group_msg' && event.message.seq === 1020, 30_000);
		const late = await login(second.port, 'bob', {'#dev': 15});
		expect(await late.nextEvent()).toEqual({type: 'gap', conversation: '#dev', after: 15, before: 21, skipped: 5});
		const first1000 = await late.waitForEvent(event => event.type === 'group_msg');
		expect(first1000).toMatchObject({seq: 21, text: 'flood 6'});
		expect(await late.waitForEvent(event => event.type === 'resumed', 15_000)).toEqual({type: 'resumed', messages: 1000, gaps: 1});
	});

	it('prints history in text mode, one human line per message, then ok', async () => {
		const dir = await tempDir();
		const {port} = await serve(dir);
		const alice = await loginText(port, 'alice', testUsers.alice);
		clients.push(alice);
		alice.send('/broadcast first');
		await alice.waitFor(line => line.startsWith('ok: sent'));
		alice.send('/broadcast second');
		await alice.waitFor(line => line.startsWith('ok: sent'));
		alice.send('/history *');
		expect(await alice.next()).toMatch(/^\[\d\d:\d\d:\d\d\] \[broadcast\] alice: first$/);
		expect(await alice.next()).toMatch(/^\[\d\d:\d\d:\d\d\] \[broadcast\] alice: second$/);
		expect(await alice.next()).toBe('ok: 2 messages of * (seq 1–2)');
		alice.send('/history #nowhere');
		expect(await alice.next()).toBe('error: no group named #nowhere');
		alice.send('/history * 5000');
		expect(await alice.next()).toBe('error: N must be from 1 to 1000, not 5000 (usage: /history <conversation> [before <seq>|after <seq>] [N])');
	});
});

describe('backups', () => {
	it('a copy taken with sqlite3 .backup while the server runs holds every message that got ok', async () => {
		const dir = await tempDir();
		const first = await serve(dir);
		const alice = await login(first.port, 'alice');
		for (let index = 1; index <= 20; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await command(alice, `/broadcast backed up ${index}`)).toMatchObject({type: 'ok'});
		}

		const copy = path.join(dir, 'copy', 'natter.db');
		await mkdir(path.dirname(copy));
		const backup = spawnSync('sqlite3', [path.join(dir, 'natter.db'), `.backup ${copy}`], {encoding: 'utf8'});
		expect(backup.stderr).toBe('');
		expect(backup.status).toBe(0);
		// The copy is a store of its own: a second server opens it while the first goes on.
		const second = await serve(dir, '--data', copy);
		const reader = await login(second.port, 'bob');
		expect((await history(reader, '/history * 100')).map(message => message.text)).toEqual(Array.from({length: 20}, (_, index) => `backed up ${index + 1}`));
	});
});

describe('bad data files', () => {
	it('refuses a corrupt data file with a clear message and exit 1, leaving it as it was', async () => {
		const dir = await tempDir();
		const file = path.join(dir, 'natter.db');
		await writeFile(file, 'this is not a database, just some text that got here somehow\n'.repeat(200));
		const server = spawnServe(['--port', '0', '--users', path.join(dir, 'users.txt')]);
		servers.push(server);
		expect(await server.exited).toBe(1);
		expect(server.stderr()).toContain(file);
		expect(server.stdout()).toBe('');
	});

	it('refuses a data file in a missing or unwritable directory with exit 1', async () => {
		const dir = await tempDir();
		const missing = spawnServe(['--port', '0', '--users', path.join(dir, 'users.txt'), '--data', path.join(dir, 'no', 'such', 'dir', 'natter.db')]);
		servers.push(missing);
		expect(await missing.exited).toBe(1);
		expect(missing.stderr()).toContain(path.join(dir, 'no', 'such', 'dir'));

		if (process.getuid?.() !== 0) {
			const locked = path.join(dir, 'locked');
			await mkdir(locked);
			await chmod(locked, 0o500);
			const unwritable = spawnServe(['--port', '0', '--users', path.join(dir, 'users.txt'), '--data', path.join(locked, 'natter.db')]);
			servers.push(unwritable);
			expect(await unwritable.exited).toBe(1);
		}
	});

	it('runs with --data :memory: and keeps nothing', async () => {
		const dir = await tempDir();
		const first = await serve(dir, '--data', ':memory:');
		const alice = await login(first.port, 'alice');
		await command(alice, '/create_group ephemeral');
		await stop(first.server, 'SIGTERM');
		const second = await serve(dir, '--data', ':memory:');
		const again = await login(second.port, 'alice');
		expect(await command(again, '/groups')).toMatchObject({groups: []});
	});
});
