import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import {afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {Authenticator} from '../../server/auth/authenticator.js';
import {formatUsersFile, readUsersFile, UsersFileError, withUser, withUsersFileLock, writeUsersFile} from '../../server/auth/users-file.js';
import {jsonCommand, LineSocket, loginJson} from '../helpers/line-socket.js';
import {cliPath, runCli, type CliResult} from '../helpers/run-cli.js';
import {killServes, spawnServe, type ServeProcess} from '../helpers/serve-process.js';
import {usersFileText} from '../helpers/test-server.js';

type Result = CliResult;

/** Runs the built CLI in the test's directory, with no NATTER_USERS from the outside. */
async function natter(args: string[], options: {input?: string; env?: Record<string, string>; cwd?: string} = {}): Promise<Result> {
	return runCli(args, {input: options.input ?? '', cwd: options.cwd ?? directory, env: {...process.env, NATTER_USERS: '', ...options.env}});
}

let directory: string;
let usersFile: string;

beforeAll(() => {
	if (!existsSync(cliPath)) {
		throw new Error(`${cliPath} is missing: build first (npm run build)`);
	}
});
beforeEach(async () => {
	directory = await mkdtemp(path.join(tmpdir(), 'natter-users-cli-'));
	usersFile = path.join(directory, 'users.txt');
});
afterEach(async () => {
	await rm(directory, {recursive: true, force: true});
});

async function hashOf(name: string): Promise<string | undefined> {
	const text = await readFile(usersFile, 'utf8');
	return text.split('\n').find(line => line.startsWith(`${name}:`))?.slice(name.length + 1);
}

describe('natter users add', () => {
	test('creates the file from two piped lines, with a bcrypt hash of the password', async () => {
		const result = await natter(['users', 'add', 'Alice', '--users', usersFile, '--cost', '10'], {input: 'wonder land\nwonder land\n'});
		expect(result).toMatchObject({code: 0, stdout: ''});
		expect(result.stderr).toContain(`Added alice to ${usersFile}.`);
		expect(result.stderr).toContain('SIGHUP');
		const hash = (await hashOf('alice'))!;
		expect(hash).toMatch(/^\$2b\$10\$.{53}$/);
		expect(bcrypt.compareSync('wonder land', hash)).toBe(true);
		expect((await stat(usersFile)).mode & 0o777).toBe(0o600);
	});

	test('hashes at cost 12 by default, and accepts a single line', async () => {
		const result = await natter(['users', 'add', 'bob', '--users', usersFile], {input: 'builder'});
		expect(result.code).toBe(0);
		const hash = (await hashOf('bob'))!;
		expect(hash.startsWith('$2b$12$')).toBe(true);
		expect(bcrypt.compareSync('builder', hash)).toBe(true);
	});

	test('replaces an existing user\'s hash in place, keeping comments and order', async () => {
		const bobHash = bcrypt.hashSync('builder', 4);
		await writeFile(usersFile, `# team\nalice:${bcrypt.hashSync('old', 4)}\n\n# more\nbob:${bobHash}\n`);
		const result = await natter(['users', 'add', 'ALICE', '--users', usersFile, '--cost', '10'], {input: 'new\nnew\n'});
		expect(result.code).toBe(0);
		expect(result.stderr).toContain('Set a new password for alice');
		const aliceHash = (await hashOf('alice'))!;
		expect(bcrypt.compareSync('new', aliceHash)).toBe(true);
		expect(await readFile(usersFile, 'utf8')).toBe(`# team\nalice:${aliceHash}\n\n# more\nbob:${bobHash}\n`);
	});

	test('the command a plaintext line is refused with fixes that line', async () => {
		await writeFile(usersFile, `# demo\nbob:${bcrypt.hashSync('builder', 4)}\nalice:wonderland\n`);
		const error: unknown = await Authenticator.open({usersFile, workers: 1}).catch((error: unknown) => error);
		expect(error).toBeInstanceOf(UsersFileError);
		const fix = /replace it with: natter (.+)$/.exec((error as Error).message)![1]!.split(' ');
		expect(fix).toEqual(['users', 'add', 'alice', '--users', usersFile]);
		expect((await natter([...fix, '--cost', '10'], {input: 'wonderland\nwonderland\n'})).code).toBe(0);
		const auth = await Authenticator.open({usersFile, workers: 1});
		try {
			expect(await auth.verify('alice', 'wonderland')).toBe(true);
			expect(await auth.verify('bob', 'builder')).toBe(true);
		} finally {
			await auth.close();
		}
	});

	test('refuses two different lines, an empty password and one over 72 bytes, changing nothing', async () => {
		const mismatch = await natter(['users', 'add', 'alice', '--users', usersFile, '--cost', '10'], {input: 'one\ntwo\n'});
		expect(mismatch.code).toBe(1);
		expect(mismatch.stderr).toContain('do not match');
		const empty = await natter(['users', 'add', 'alice', '--users', usersFile, '--cost', '10']);
		expect(empty.code).toBe(1);
		expect(empty.stderr).toContain('no password on stdin');
		const long = await natter(['users', 'add', 'alice', '--users', usersFile, '--cost', '10'], {input: `${'x'.repeat(73)}\n`});
		expect(long.code).toBe(1);
		expect(long.stderr).toContain('longer than 72 bytes');
		const three = await natter(['users', 'add', 'alice', '--users', usersFile, '--cost', '10'], {input: 'a\na\na\n'});
		expect(three.code).toBe(1);
		expect(existsSync(usersFile)).toBe(false);
	});

	test('usage errors exit 2 with the rule: bad name, low cost, missing name', async () => {
		const badName = await natter(['users', 'add', 'al ice', '--users', usersFile], {input: 'pw\n'});
		expect(badName.code).toBe(2);
		expect(badName.stderr).toContain('invalid name "al ice": user name may only hold letters, digits');
		const lowCost = await natter(['users', 'add', 'alice', '--users', usersFile, '--cost', '9'], {input: 'pw\n'});
		expect(lowCost.code).toBe(2);
		expect(lowCost.stderr).toContain('--cost must be a whole number from 10 to 20');
		const notNumber = await natter(['users', 'add', 'alice', '--users', usersFile, '--cost', 'high'], {input: 'pw\n'});
		expect(notNumber.code).toBe(2);
		const noName = await natter(['users', 'add', '--users', usersFile], {input: 'pw\n'});
		expect(noName.code).toBe(2);
		expect(noName.stderr).toContain('missing the user NAME');
		expect(existsSync(usersFile)).toBe(false);
	});

	test('waits while another run holds the file, then keeps both changes', async () => {
		await writeFile(usersFile, '# users\n');
		const bobHash = bcrypt.hashSync('builder', 4);
		let run: Promise<Result> | undefined;
		await withUsersFileLock(usersFile, async () => {
			const child = spawn(process.execPath, [cliPath, 'users', 'add', 'alice', '--users', usersFile, '--cost', '10'], {stdio: ['pipe', 'pipe', 'pipe']});
			let stderr = '';
			const waiting = new Promise<void>(resolve => {
				child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
					stderr += chunk;
					if (stderr.includes(`Waiting for ${usersFile}.lock`)) {
						resolve();
					}
				});
			});
			child.stdin.end('pw\n');
			run = new Promise(resolve => {
				child.on('close', code => {
					resolve({code, stdout: '', stderr});
				});
			});
			await waiting;
			const current = (await readUsersFile(usersFile))!;
			expect(current.users.size).toBe(0);
			await writeUsersFile(usersFile, formatUsersFile(withUser(current.lines, 'bob', bobHash)));
		});
		expect((await run!).code).toBe(0);
		const text = await readFile(usersFile, 'utf8');
		const lines = text.split('\n');
		expect(lines.slice(0, 2)).toEqual(['# users', `bob:${bobHash}`]);
		expect(bcrypt.compareSync('pw', lines[2]!.replace(/^alice:/, ''))).toBe(true);
		expect(lines.slice(3)).toEqual(['']);
	});

	test('uses $NATTER_USERS, then ./users.txt', async () => {
		const envFile = path.join(directory, 'from-env.txt');
		expect((await natter(['users', 'add', 'alice', '--cost', '10'], {input: 'pw\n', env: {NATTER_USERS: envFile}})).code).toBe(0);
		expect(await readFile(envFile, 'utf8')).toMatch(/^alice:\$2b\$10\$/);
		expect((await natter(['users', 'add', 'bob', '--cost', '10'], {input: 'pw\n'})).code).toBe(0);
		expect(await readFile(usersFile, 'utf8')).toMatch(/^bob:\$2b\$10\$/);
	});
});

describe('natter users remove and list', () => {
	const hashes = {alice: bcrypt.hashSync('a', 4), bob: bcrypt.hashSync('b', 4)};

	test('list prints one name per line', async () => {
		await writeFile(usersFile, `# c\nAlice:${hashes.alice}\n\nbob:${hashes.bob}\n`);
		expect(await natter(['users', 'list', '--users', usersFile])).toEqual({code: 0, stdout: 'alice\nbob\n', stderr: ''});
	});

	test('list exits 1 and names the line when the server would refuse the file', async () => {
		await writeFile(usersFile, `alice:${hashes.alice}\nbob:secret\n`);
		const result = await natter(['users', 'list', '--users', usersFile]);
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('alice\nbob\n');
		expect(result.stderr).toContain(`${usersFile}:2: "bob" has a plaintext password`);
		expect(result.stderr).not.toContain('secret');
	});

	test('remove drops the user and keeps everything else', async () => {
		await writeFile(usersFile, `# c\nalice:${hashes.alice}\n# bob's line\nbob:${hashes.bob}\n`);
		const result = await natter(['users', 'remove', 'Alice', '--users', usersFile]);
		expect(result.code).toBe(0);
		expect(result.stderr).toContain(`Removed alice from ${usersFile}.`);
		expect(result.stderr).toContain('SIGHUP');
		expect(await readFile(usersFile, 'utf8')).toBe(`# c\n# bob's line\nbob:${hashes.bob}\n`);
	});

	test('remove of a missing user, or from a missing file, exits 1', async () => {
		await writeFile(usersFile, `alice:${hashes.alice}\n`);
		const missingUser = await natter(['users', 'remove', 'carol', '--users', usersFile]);
		expect(missingUser.code).toBe(1);
		expect(missingUser.stderr).toContain(`no user "carol" in ${usersFile}`);
		const missingFile = await natter(['users', 'remove', 'carol', '--users', path.join(directory, 'none.txt')]);
		expect(missingFile.code).toBe(1);
		expect(missingFile.stderr).toContain('does not exist');
		expect(await readFile(usersFile, 'utf8')).toBe(`alice:${hashes.alice}\n`);
	});
});

describe('natter users passwd', () => {
	const hashes = {alice: bcrypt.hashSync('a', 4), bob: bcrypt.hashSync('b', 4)};

	test('sets a new password for an existing user, in place', async () => {
		await writeFile(usersFile, `# c\nalice:${hashes.alice}\nbob:${hashes.bob}\n`);
		const result = await natter(['users', 'passwd', 'Alice', '--users', usersFile, '--cost', '10'], {input: 'new secret\nnew secret\n'});
		expect(result.code).toBe(0);
		expect(result.stderr).toContain(`Set a new password for alice in ${usersFile}.`);
		const hash = (await hashOf('alice'))!;
		expect(bcrypt.compareSync('new secret', hash)).toBe(true);
		expect(await readFile(usersFile, 'utf8')).toBe(`# c\nalice:${hash}\nbob:${hashes.bob}\n`);
	});

	test('refuses a user that does not exist, before asking, and adds nobody', async () => {
		await writeFile(usersFile, `alice:${hashes.alice}\n`);
		const result = await natter(['users', 'passwd', 'alcie', '--users', usersFile], {input: 'x\n'});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`no user "alcie" in ${usersFile} (add one with natter users add alcie)`);
		expect(await readFile(usersFile, 'utf8')).toBe(`alice:${hashes.alice}\n`);
	});
});

describe('natter users usage', () => {
	test('--help prints the usage and the stdin rule, exit 0', async () => {
		for (const args of [['users', '--help'], ['users', 'add', '--help'], ['users', '-h']]) {
			const result = await natter(args);
			expect(result.code).toBe(0);
			expect(result.stdout).toContain('natter users add NAME [--users FILE] [--data FILE] [--cost N]');
			expect(result.stdout).toContain('either one line, or two lines that must match');
		}
	});

	test('an unknown command, flag or extra argument exits 2', async () => {
		expect((await natter(['users'])).code).toBe(2);
		expect((await natter(['users', 'rename', 'alice'])).code).toBe(2);
		expect((await natter(['users', 'list', '--bogus'])).code).toBe(2);
		expect((await natter(['users', 'list', 'alice'])).code).toBe(2);
		expect((await natter(['users', 'remove', 'alice', 'bob'])).code).toBe(2);
	});
});

// util-linux `script` runs the CLI on a real pseudo-terminal, so the masked prompt is what runs.
const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('natter users add on a terminal', () => {
	/** Runs `natter users add` under a pty; `answer(screen)` returns keys to type once the screen shows something new. */
	async function onTerminal(name: string, keys: (screen: string) => string | undefined): Promise<{code: number | null; screen: string}> {
		const command = [process.execPath, cliPath, 'users', 'add', name, '--users', usersFile, '--cost', '10'].map(word => `'${word}'`).join(' ');
		const child = spawn('script', ['-qfec', command, '/dev/null'], {stdio: ['pipe', 'pipe', 'inherit']});
		let screen = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			screen += chunk;
			const typed = keys(screen);
			if (typed !== undefined) {
				child.stdin.write(typed);
			}
		});
		const code = await new Promise<number | null>(resolve => {
			child.on('close', resolve);
		});
		return {code, screen};
	}

	test('asks twice, echoes stars, never the password', async () => {
		const typed = new Set<string>();
		const once = (key: string, text: string): string | undefined => {
			if (typed.has(key)) {
				return undefined;
			}

			typed.add(key);
			return text;
		};

		const {code, screen} = await onTerminal('carol', current => {
			if (current.includes('Repeat the password: ')) {
				return once('second', 'sekrit7\r\n');
			}

			// Backspace twice and an arrow key in the middle are edited out; \r\n is one Enter.
			return current.includes('Password for carol: ') ? once('first', 'sek\u007F\u007Fe\u001B[Dkrit7\r\n') : undefined;
		});
		expect(code).toBe(0);
		expect(screen).toContain('*******');
		expect(screen).not.toContain('sekrit7');
		expect(screen).toContain('Added carol');
		expect(bcrypt.compareSync('sekrit7', (await hashOf('carol'))!)).toBe(true);
	});

	test('different answers change nothing and exit 1', async () => {
		let sent = 0;
		const {code, screen} = await onTerminal('carol', current => {
			const prompts = current.split(/Password for carol: |Repeat the password: /).length - 1;
			if (prompts > sent) {
				sent = prompts;
				return sent === 1 ? 'one\r' : 'two\r';
			}

			return undefined;
		});
		expect(code).toBe(1);
		expect(screen).toContain('the passwords do not match');
		expect(existsSync(usersFile)).toBe(false);
	});

	test('Ctrl+C aborts with exit 130 and changes nothing', async () => {
		let sent = false;
		const {code, screen} = await onTerminal('carol', current => {
			if (!sent && current.includes('Password for carol: ')) {
				sent = true;
				return 'sek\u0003';
			}

			return undefined;
		});
		expect(code).toBe(130);
		expect(screen).toContain('aborted; nothing changed');
		expect(existsSync(usersFile)).toBe(false);
	});
});

describe('natter users and the server\'s data file', () => {
	const serves: ServeProcess[] = [];
	const sockets: LineSocket[] = [];
	afterEach(async () => {
		for (const socket of sockets.splice(0)) {
			socket.close();
		}

		await killServes(serves);
	});

	async function serve(): Promise<{server: ServeProcess; port: number}> {
		const server = spawnServe(['--port', '0', '--users', usersFile]);
		serves.push(server);
		const {port} = await server.listening;
		return {server, port};
	}

	async function login(port: number, user: string, password: string): Promise<LineSocket> {
		const socket = await loginJson(port, user, password);
		sockets.push(socket);
		return socket;
	}

	/** alice makes #secret with carol in it, leaves dave (offline) a DM; carol writes alice a DM and marks #secret read. */
	async function chat(port: number): Promise<void> {
		const alice = await login(port, 'alice', 'wonderland');
		const carol = await login(port, 'carol', 'christmas');
		expect(await jsonCommand(alice, '/create_group secret')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(carol, '/join_group secret')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(alice, '/group_msg secret the plan')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(alice, '/msg dave only for you')).toMatchObject({type: 'ok', stored: true});
		expect(await jsonCommand(carol, '/msg alice between us')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(carol, '/read #secret')).toMatchObject({type: 'ok'});
	}

	/** What a (new) account of `user` finds: its conversations at login, its history with alice, #secret. */
	async function inheritance(port: number, user: string, password: string): Promise<{conversations: unknown; dm: unknown; group: unknown}> {
		const socket = await LineSocket.connect(port);
		sockets.push(socket);
		socket.sendJson({type: 'hello', protocol: 2, client: 'test'});
		socket.sendJson({type: 'login', id: 'login', user, password});
		const loggedIn = await socket.waitForEvent(event => event.type === 'login_ok') as {conversations?: unknown};
		const dm = await jsonCommand(socket, '/history @alice') as {messages?: unknown};
		const group = await jsonCommand(socket, '/history #secret');
		return {conversations: loggedIn.conversations, dm: dm.messages, group: group.type === 'error' ? group.code : 'readable'};
	}

	test('remove with the server stopped drops what the name held, so a new account of that name inherits nothing', async () => {
		await writeFile(usersFile, usersFileText({alice: 'wonderland', carol: 'christmas', dave: 'davespassword'}));
		const first = await serve();
		await chat(first.port);
		first.server.child.kill('SIGTERM');
		await first.server.exited;

		for (const user of ['dave', 'carol']) {
			const removed = await natter(['users', 'remove', user, '--users', usersFile]);
			expect(removed.code).toBe(0);
			expect(removed.stderr).toContain(`Dropped what ${user} held in ${path.join(directory, 'natter.db')}`);
		}

		const second = await serve();
		for (const [user, password] of [['dave', 'new dave'], ['carol', 'new carol']] as const) {
			const added = await natter(['users', 'add', user, '--users', usersFile, '--cost', '10'], {input: `${password}\n`});
			expect(added.code).toBe(0);
			expect(added.stderr).toContain(`Told natter serve (pid ${second.server.child.pid}, using ${path.join(directory, 'natter.db')}) to re-read`);
		}

		await second.server.waitForStderr(line => /reload users=3 removed=0/.test(line));
		const dave = await inheritance(second.port, 'dave', 'new dave');
		expect(dave).toMatchObject({dm: [], group: 'not_member'});
		expect(JSON.stringify(dave.conversations)).not.toContain('@alice');
		const carol = await inheritance(second.port, 'carol', 'new carol');
		expect(carol).toMatchObject({dm: [], group: 'not_member'});
		expect(JSON.stringify(carol.conversations)).not.toMatch(/#secret|@alice/);
		// alice keeps her own side: her group, and her DM with the old dave is gone for her too.
		const alice = await login(second.port, 'alice', 'wonderland');
		expect(await jsonCommand(alice, '/members secret')).toMatchObject({type: 'ok', members: [expect.objectContaining({name: 'alice'})]});
		expect(await jsonCommand(alice, '/history @carol')).toMatchObject({type: 'ok', messages: []});
	});

	test('remove with the server running tells it to reload: the user\'s sessions end and what the name held goes', async () => {
		await writeFile(usersFile, usersFileText({alice: 'wonderland', carol: 'christmas', dave: 'davespassword'}));
		const {server, port} = await serve();
		await chat(port);
		const dave = await login(port, 'dave', 'davespassword');
		const removed = await natter(['users', 'remove', 'dave', '--users', usersFile]);
		expect(removed.code).toBe(0);
		expect(removed.stderr).toContain(`Told natter serve (pid ${server.child.pid}`);
		expect(removed.stderr).not.toContain('Dropped');
		expect(await dave.waitForEvent(event => event.type === 'bye')).toMatchObject({reason: 'revoked'});
		await server.waitForStderr(line => /reload users=2 removed=1/.test(line));
	});

	test('remove drops what a name deleted from the file by hand still held; a name that held nothing is still an error', async () => {
		await writeFile(usersFile, usersFileText({alice: 'wonderland', carol: 'christmas', dave: 'davespassword'}));
		const {server, port} = await serve();
		await chat(port);
		server.child.kill('SIGKILL');
		await server.exited;
		await writeFile(usersFile, usersFileText({alice: 'wonderland', carol: 'christmas'}));
		const removed = await natter(['users', 'remove', 'dave', '--users', usersFile]);
		expect(removed).toMatchObject({code: 0});
		expect(removed.stderr).toContain(`Dropped what dave held in ${path.join(directory, 'natter.db')}`);
		expect(removed.stderr).toContain(`(dave was not in ${usersFile}.)`);
		const typo = await natter(['users', 'remove', 'dvae', '--users', usersFile]);
		expect(typo).toMatchObject({code: 1});
		expect(typo.stderr).toContain(`no user "dvae" in ${usersFile}`);
		expect((await natter(['users', 'remove', 'dave', '--users', usersFile])).code).toBe(1);
	});
});
