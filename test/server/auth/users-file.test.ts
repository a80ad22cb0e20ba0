import {spawnSync} from 'node:child_process';
import {mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {
	formatUsersFile,
	isBcryptHash,
	loadUsers,
	parseUsersFile,
	readUsersFile,
	UsersFileError,
	withoutUser,
	withUser,
	withUsersFileLock,
	writeUsersFile,
} from '../../../server/auth/users-file.js';

const aliceHash = bcrypt.hashSync('wonderland', 4);
const bobHash = bcrypt.hashSync('builder', 4);

let directory: string;
beforeEach(async () => {
	directory = await mkdtemp(path.join(tmpdir(), 'natter-users-'));
});
afterEach(async () => {
	await rm(directory, {recursive: true, force: true});
});

async function loadError(text: string, name = 'users.txt'): Promise<UsersFileError> {
	const file = path.join(directory, name);
	await writeFile(file, text);
	const error: unknown = await loadUsers(file).then(() => undefined, (error: unknown) => error);
	expect(error).toBeInstanceOf(UsersFileError);
	return error as UsersFileError;
}

describe('parsing users.txt', () => {
	test('reads users, skipping comments and blank lines, names in lower case', () => {
		const parsed = parseUsersFile(`# demo users\n\nAlice:${aliceHash}\n   \n  # indented comment\nbob : ${bobHash}\n`, 'users.txt');
		expect(parsed.problems).toEqual([]);
		expect([...parsed.users]).toEqual([['alice', aliceHash], ['bob', bobHash]]);
	});

	test('accepts CRLF line endings and a missing final newline', () => {
		const parsed = parseUsersFile(`# c\r\nalice:${aliceHash}\r\nbob:${bobHash}`, 'users.txt');
		expect(parsed.problems).toEqual([]);
		expect([...parsed.users.keys()]).toEqual(['alice', 'bob']);
		expect(parsed.eol).toBe('\r\n');
	});

	test('accepts $2a$, $2b$ and $2y$ hashes and nothing shorter', () => {
		const tail = aliceHash.slice(7);
		expect(isBcryptHash(`$2a$10$${tail}`)).toBe(true);
		expect(isBcryptHash(`$2y$10$${tail}`)).toBe(true);
		expect(isBcryptHash(aliceHash)).toBe(true);
		expect(isBcryptHash(`$2x$10$${tail}`)).toBe(false);
		expect(isBcryptHash(aliceHash.slice(0, -1))).toBe(false);
	});

	test('refuses a plaintext password with its line number and the fixing command, never the password', async () => {
		const error = await loadError(`# demo\nbob:${bobHash}\n\nalice:hunter2\n`);
		expect(error.line).toBe(4);
		expect(error.message).toBe(`${path.join(directory, 'users.txt')}:4: "alice" has a plaintext password; replace it with: natter users add alice --users ${path.join(directory, 'users.txt')}`);
		expect(error.message).not.toContain('hunter2');
	});

	test('quotes a users-file path with spaces in the fixing command', async () => {
		const error = await loadError('alice:secret\n', 'my users.txt');
		expect(error.message).toContain(`--users '${path.join(directory, 'my users.txt')}'`);
	});

	test('refuses a malformed hash and an empty one', async () => {
		const truncated = await loadError(`alice:${aliceHash.slice(0, 40)}\n`);
		expect(truncated.message).toContain(':1: "alice" does not have a valid bcrypt hash; replace it with: natter users add alice');
		const empty = await loadError('bob:\n');
		expect(empty.message).toContain(':1: "bob" has no password hash; set one with: natter users add bob');
	});

	test('refuses a name listed twice, ignoring case', async () => {
		const error = await loadError(`alice:${aliceHash}\nbob:${bobHash}\nALICE:${bobHash}\n`);
		expect(error.line).toBe(3);
		expect(error.message).toContain(':3: "alice" is listed again (first on line 1');
	});

	test('refuses bad names with the naming rule', async () => {
		const error = await loadError(`alice:${aliceHash}\nbad name:${bobHash}\n`);
		expect(error.line).toBe(2);
		expect(error.message).toContain(':2: "bad name" is not a valid user name (user name may only hold letters, digits');
		const noColon = await loadError('alice hunter2\n');
		expect(noColon.message).toMatch(/:1: expected "name:<bcrypt hash>"/);
		expect(noColon.message).not.toContain('hunter2');
	});

	test('reports the first problem and counts the rest', async () => {
		const error = await loadError('alice:one\nbob:two\ncarol:three\n');
		expect(error.line).toBe(1);
		expect(error.message).toContain('(and 2 more problems: line 2, line 3)');
	});

	test('a missing file is an error that says how to create it', async () => {
		const file = path.join(directory, 'nope.txt');
		await expect(loadUsers(file)).rejects.toThrow(`${file}: the users file does not exist; create it with: natter users add <name> --users ${file}`);
		expect(await readUsersFile(file)).toBeUndefined();
	});
});

describe('rewriting users.txt', () => {
	const original = `# natter users\n# name:bcrypt\n\nalice:${aliceHash}\n\n# the builder\nbob:${bobHash}\n`;

	test('adding a user appends a line and keeps comments, blanks and order', () => {
		const parsed = parseUsersFile(original, 'users.txt');
		const text = formatUsersFile(withUser(parsed.lines, 'Carol', bobHash), parsed.eol);
		expect(text).toBe(`${original}carol:${bobHash}\n`);
	});

	test('adding an existing user replaces its hash in place', () => {
		const parsed = parseUsersFile(original, 'users.txt');
		const text = formatUsersFile(withUser(parsed.lines, 'alice', bobHash), parsed.eol);
		expect(text).toBe(original.replace(`alice:${aliceHash}`, `alice:${bobHash}`));
	});

	test('adding fixes a plaintext line in place and drops repeats of that name', () => {
		const parsed = parseUsersFile(`# x\nalice:hunter2\nbob:${bobHash}\nAlice:${aliceHash}\n`, 'users.txt');
		const fixed = parseUsersFile(formatUsersFile(withUser(parsed.lines, 'alice', aliceHash)), 'users.txt');
		expect(fixed.problems).toEqual([]);
		expect(formatUsersFile(fixed.lines)).toBe(`# x\nalice:${aliceHash}\nbob:${bobHash}\n`);
	});

	test('removing a user drops only its line', () => {
		const parsed = parseUsersFile(original, 'users.txt');
		expect(formatUsersFile(withoutUser(parsed.lines, 'ALICE'), parsed.eol)).toBe(original.replace(`alice:${aliceHash}\n`, ''));
	});

	test('CRLF files stay CRLF', () => {
		const parsed = parseUsersFile(`# c\r\nalice:${aliceHash}\r\n`, 'users.txt');
		expect(formatUsersFile(withUser(parsed.lines, 'bob', bobHash), parsed.eol)).toBe(`# c\r\nalice:${aliceHash}\r\nbob:${bobHash}\r\n`);
	});

	test('writes atomically: new content in place, no temporary file left, mode kept', async () => {
		const file = path.join(directory, 'users.txt');
		await writeFile(file, original, {mode: 0o640});
		const parsed = (await readUsersFile(file))!;
		await writeUsersFile(file, formatUsersFile(withUser(parsed.lines, 'carol', aliceHash), parsed.eol));
		expect(await readFile(file, 'utf8')).toBe(`${original}carol:${aliceHash}\n`);
		expect(await readdir(directory)).toEqual(['users.txt']);
		expect((await stat(file)).mode & 0o777).toBe(0o640);
		expect([...(await loadUsers(file)).keys()]).toEqual(['alice', 'bob', 'carol']);
	});

	test('creates a new file readable by its owner only', async () => {
		const file = path.join(directory, 'fresh.txt');
		await writeUsersFile(file, `alice:${aliceHash}\n`);
		expect((await stat(file)).mode & 0o777).toBe(0o600);
	});

	test('a symlinked users file keeps its link; the target is replaced', async () => {
		const target = path.join(directory, 'real.txt');
		const link = path.join(directory, 'users.txt');
		await writeFile(target, original);
		await symlink(target, link);
		await writeUsersFile(link, `alice:${aliceHash}\n`);
		expect(await readFile(target, 'utf8')).toBe(`alice:${aliceHash}\n`);
		expect((await readdir(directory)).sort()).toEqual(['real.txt', 'users.txt']);
	});

	test('a failed rename leaves what was there and no temporary file', async () => {
		const file = path.join(directory, 'users.txt');
		await mkdir(file);
		await writeFile(path.join(file, 'keep'), 'x');
		await expect(writeUsersFile(file, `alice:${aliceHash}\n`)).rejects.toThrow();
		expect(await readdir(directory)).toEqual(['users.txt']);
		expect(await readdir(file)).toEqual(['keep']);
	});
});

describe('the users-file lock', () => {
	test('a second run waits for the first and then sees its change', async () => {
		const file = path.join(directory, 'users.txt');
		await writeFile(file, '# users\n');
		const order: string[] = [];
		let secondWaits!: () => void;
		const waiting = new Promise<void>(resolve => {
			secondWaits = resolve;
		});
		let firstHolds!: () => void;
		const holding = new Promise<void>(resolve => {
			firstHolds = resolve;
		});
		const first = withUsersFileLock(file, async () => {
			order.push('first starts');
			firstHolds();
			await waiting;
			const parsed = (await readUsersFile(file))!;
			await writeUsersFile(file, formatUsersFile(withUser(parsed.lines, 'alice', aliceHash)));
			order.push('first ends');
		});
		await holding;
		const second = withUsersFileLock(file, async () => {
			order.push('second starts');
			const parsed = (await readUsersFile(file))!;
			await writeUsersFile(file, formatUsersFile(withUser(parsed.lines, 'bob', bobHash)));
		}, {onWait: () => secondWaits()});
		await Promise.all([first, second]);
		expect(order).toEqual(['first starts', 'first ends', 'second starts']);
		expect([...(await loadUsers(file)).keys()]).toEqual(['alice', 'bob']);
		expect(await readdir(directory)).toEqual(['users.txt']);
	});

	test('a lock left by a process that is gone is taken over', async () => {
		const file = path.join(directory, 'users.txt');
		const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'});
		await writeFile(`${file}.lock`, gone.stdout);
		let waited = false;
		expect(await withUsersFileLock(file, async () => 'done', {onWait: () => { waited = true; }})).toBe('done');
		expect(waited).toBe(false);
		expect(await readdir(directory)).toEqual([]);
	});

	test('a lock held by a live process times out with an error naming the lock file', async () => {
		const file = path.join(directory, 'users.txt');
		await writeFile(`${file}.lock`, String(process.pid));
		await expect(withUsersFileLock(file, async () => 'never', {timeoutMs: 30})).rejects.toThrow(`another natter users run holds ${file}.lock; delete that file if none is running`);
	});

	test('the lock is released when the change fails', async () => {
		const file = path.join(directory, 'users.txt');
		await expect(withUsersFileLock(file, async () => {
			throw new Error('change failed');
		})).rejects.toThrow('change failed');
		expect(await withUsersFileLock(file, async () => 'again')).toBe('again');
	});
});
