import {execFileSync} from 'node:child_process';
import {appendFile, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {spawnServe, type ServeProcess, killServes} from '../helpers/serve-process.js';
import {testHash, usersFileText} from '../helpers/test-server.js';

const cli = path.resolve('dist/cli.js');
let dir: string;
let usersFile: string;
const running: ServeProcess[] = [];
const clients: LineSocket[] = [];

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'natter-serve-'));
	usersFile = path.join(dir, 'users.txt');
	return async () => rm(dir, {recursive: true, force: true});
});

afterEach(async () => {
	for (const client of clients.splice(0)) {
		client.destroy();
	}

	await killServes(running);
});

async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<ServeProcess> {
	await writeFile(usersFile, usersFileText({alice: 'wonderland', bob: 'builder'}));
	const process = spawnServe(args, env);
	running.push(process);
	return process;
}

/** Runs the CLI to completion; returns exit code, stdout and stderr. */
function runCli(args: readonly string[], env: Record<string, string> = {}): {code: number; stdout: string; stderr: string} {
	try {
		const stdout = execFileSync(process.execPath, [cli, ...args], {env: {...process.env, ...env}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
		return {code: 0, stdout, stderr: ''};
	} catch (error) {
		const failed = error as {status: number; stdout: string; stderr: string};
		return {code: failed.status, stdout: failed.stdout, stderr: failed.stderr};
	}
}

describe('natter serve', () => {
	it('--help lists every flag with its environment variable', () => {
		const {code, stdout} = runCli(['serve', '--help']);
		expect(code).toBe(0);
		for (const [flag, env] of [['--host', 'NATTER_HOST'], ['--port', 'NATTER_PORT'], ['--users', 'NATTER_USERS'], ['--log-format', 'NATTER_LOG_FORMAT'], ['--login-timeout', 'NATTER_LOGIN_TIMEOUT'], ['--rate', 'NATTER_RATE'], ['--burst', 'NATTER_BURST'], ['--max-outbound', 'NATTER_MAX_OUTBOUND']]) {
			expect(stdout).toMatch(new RegExp(`${flag} .*${env}`));
		}

		expect(stdout).toContain('natter listening on <host>:<port>');
	});

	it.each([
		[['--port', 'abc'], {}, '--port must be an integer 0 to 65535, not "abc"'],
		[['--port', '70000'], {}, '--port must be an integer 0 to 65535'],
		[['--log-format', 'xml'], {}, '--log-format must be text or json'],
		[['--rate', '-1'], {}, '--rate must be a number at least 0'],
		[['--burst', '0'], {}, '--burst must be an integer at least 1'],
		[['--login-timeout', 'soon'], {}, '--login-timeout must be a number'],
		[['--max-outbound', '1.5'], {}, '--max-outbound must be an integer'],
		[[], {NATTER_PORT: 'twelve'}, 'NATTER_PORT must be an integer'],
		[['--frobnicate'], {}, 'Unknown flag'],
		[['extra'], {}, 'unexpected argument "extra"'],
	] as Array<[string[], Record<string, string>, string]>)('refuses %j %j with exit 2', (args, env, message) => {
		const {code, stderr} = runCli(['serve', '--users', 'nowhere.txt', ...args], env);
		expect(code).toBe(2);
		expect(stderr).toContain(message);
	});

	it('refuses a users file with a plaintext password: exit 1, the line number and the fixing command', async () => {
		const bad = path.join(dir, 'plain.txt');
		await writeFile(bad, `# users\nalice:${testHash('wonderland')}\nbob:builder\n`);
		const {code, stdout, stderr} = runCli(['serve', '--port', '0', '--users', bad]);
		expect(code).toBe(1);
		expect(stdout).toBe('');
		expect(stderr).toContain('plain.txt:3:');
		expect(stderr).toContain('natter users add bob --users');
		expect(stderr).not.toContain('builder');
	});

	it('prints one listening line, serves clients, and on SIGTERM says bye to them and exits 0', async () => {
		const server = await serve(['--port', '0', '--users', usersFile, '--log-format', 'json']);
		const {host, port} = await server.listening;
		expect(host).toBe('127.0.0.1');
		expect(server.stdout()).toBe(`natter listening on 127.0.0.1:${port}\n`);
		const alice = await loginText(port, 'alice', 'wonderland');
		const bob = await loginJson(port, 'bob', 'builder');
		clients.push(alice, bob);
		alice.send('/msg bob hello');
		await bob.waitForEvent(event => event.type === 'msg');

		server.child.kill('SIGTERM');
		expect(await alice.waitFor(/^bye:/)).toBe('bye: the server is shutting down');
		expect(await bob.waitForEvent(event => event.type === 'bye')).toEqual({type: 'bye', reason: 'shutdown', text: 'the server is shutting down'});
		await alice.waitForClose();
		await bob.waitForClose();
		expect(await server.exited).toBe(0);
		expect(server.stdout()).toBe(`natter listening on 127.0.0.1:${port}\n`);

		const log = server.stderr().trim().split('\n').map(line => JSON.parse(line) as {event: string});
		expect(log.map(entry => entry.event)).toEqual(expect.arrayContaining(['listening', 'connect', 'login_ok', 'shutdown', 'disconnect', 'stopped']));
		expect(server.stderr()).not.toContain('wonderland');
		expect(server.stderr()).not.toContain('hello');
	});

	it('exits 0 on SIGINT too', async () => {
		const server = await serve(['--port', '0', '--users', usersFile]);
		await server.listening;
		server.child.kill('SIGINT');
		expect(await server.exited).toBe(0);
	});

	it('takes its settings from the environment, with flags winning', async () => {
		const server = await serve(['--port', '0'], {NATTER_PORT: '1', NATTER_USERS: usersFile, NATTER_LOG_FORMAT: 'json', NATTER_LOGIN_TIMEOUT: '0.2'});
		const {port} = await server.listening;
		expect(port).not.toBe(1);
		const silent = await LineSocket.connect(port);
		clients.push(silent);
		expect(await silent.waitFor(/^bye:/)).toBe('bye: no login within 200 ms');
		expect(JSON.parse(server.stderr().split('\n')[0]!)).toMatchObject({event: 'listening', level: 'info'});
	});

	it('reloads the users file on SIGHUP, and keeps the old users when the new file is bad', async () => {
		const server = await serve(['--port', '0', '--users', usersFile]);
		const {port} = await server.listening;
		await appendFile(usersFile, `carol:${testHash('christmas')}\n`);
		server.child.kill('SIGHUP');
		await server.waitForStderr(line => / info reload users=3 removed=0 password_changed=0 sessions_ended=0$/.test(line));
		const carol = await loginJson(port, 'carol', 'christmas');
		clients.push(carol);

		await appendFile(usersFile, 'dave:plaintext\n');
		server.child.kill('SIGHUP');
		expect(await server.waitForStderr(line => line.includes('reload_failed'))).toContain('plaintext password');
		const alice = await loginJson(port, 'alice', 'wonderland');
		clients.push(alice);
		alice.sendJson({type: 'command', id: 1, line: '/msg dave hi'});
		// dave never made it in: the old users are kept.
		expect(await alice.waitForEvent(event => event.type === 'ok' || event.type === 'error')).toMatchObject({code: 'unknown_user'});
	});

	it('says so and exits 1 when the port is taken', async () => {
		const first = await serve(['--port', '0', '--users', usersFile]);
		const {port} = await first.listening;
		const {code, stderr} = runCli(['serve', '--port', String(port), '--users', usersFile, '--data', ':memory:']);
		expect(code).toBe(1);
		expect(stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
	});

	it('refuses a data file another natter serve is using, and leaves it alone', async () => {
		const first = await serve(['--port', '0', '--users', usersFile]);
		await first.listening;
		const {code, stderr} = runCli(['serve', '--port', '0', '--users', usersFile]);
		expect(code).toBe(1);
		expect(stderr).toMatch(/natter\.db: it is in use by process \d+/);
		expect(first.child.exitCode).toBeNull();
	});
});
