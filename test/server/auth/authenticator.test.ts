import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {Authenticator, passwordProblem} from '../../../server/auth/authenticator.js';
import {UsersFileError} from '../../../server/auth/users-file.js';

let directory: string;
let usersFile: string;
const opened: Authenticator[] = [];

async function open(text: string): Promise<Authenticator> {
	await writeFile(usersFile, text);
	const authenticator = await Authenticator.open({usersFile, workers: 1});
	opened.push(authenticator);
	return authenticator;
}

const demoUsers = `# demo users\nalice:${bcrypt.hashSync('wonderland', 4)}\n\nBob:${bcrypt.hashSync('builder', 4)}\n`;

beforeEach(async () => {
	directory = await mkdtemp(path.join(tmpdir(), 'natter-auth-'));
	usersFile = path.join(directory, 'users.txt');
});
afterEach(async () => {
	await Promise.all(opened.splice(0).map(async authenticator => authenticator.close()));
	await rm(directory, {recursive: true, force: true});
});

describe('Authenticator', () => {
	test('verifies passwords, with names in any case', async () => {
		const auth = await open(demoUsers);
		expect(await auth.verify('alice', 'wonderland')).toBe(true);
		expect(await auth.verify('ALICE', 'wonderland')).toBe(true);
		expect(await auth.verify('bob', 'builder')).toBe(true);
		expect(await auth.verify('alice', 'Wonderland')).toBe(false);
		expect(await auth.verify('alice', 'builder')).toBe(false);
		expect(await auth.verify('carol', 'wonderland')).toBe(false);
		expect(await auth.verify('not a name', 'wonderland')).toBe(false);
		expect(await auth.verify('', 'wonderland')).toBe(false);
	});

	test('knows who is registered', async () => {
		const auth = await open(demoUsers);
		expect(auth.names()).toEqual(['alice', 'bob']);
		expect(auth.has('Bob')).toBe(true);
		expect(auth.has('carol')).toBe(false);
	});

	test('a name that only lower-cases to a user is not that user', async () => {
		const auth = await open(`kim:${bcrypt.hashSync('pw', 4)}\n`);
		expect(await auth.verify('kim', 'pw')).toBe(true);
		expect(auth.has('\u212Aim')).toBe(false);
		expect(await auth.verify('\u212Aim', 'pw')).toBe(false);
	});

	test('refuses empty and over-long passwords, including ones that match on their first 72 bytes', async () => {
		const long = 'x'.repeat(72);
		const auth = await open(`alice:${bcrypt.hashSync(long, 4)}\n`);
		expect(await auth.verify('alice', long)).toBe(true);
		// bcrypt reads only 72 bytes, so this would match if it were hashed.
		expect(bcrypt.compareSync(`${long}y`, bcrypt.hashSync(long, 4))).toBe(true);
		expect(await auth.verify('alice', `${long}y`)).toBe(false);
		expect(await auth.verify('alice', 'y'.repeat(5_000_000))).toBe(false);
		expect(await auth.verify('alice', '')).toBe(false);
		expect(passwordProblem('é'.repeat(37))).toMatch(/longer than 72 bytes/);
		expect(passwordProblem('é'.repeat(36))).toBeUndefined();
	});

	test('answers many logins at once, each correctly', async () => {
		const auth = await open(demoUsers);
		const attempts: Array<[string, string, boolean]> = [];
		for (let index = 0; index < 20; index++) {
			attempts.push(['alice', index % 4 === 0 ? 'wonderland' : `guess${index}`, index % 4 === 0], ['nobody', 'wonderland', false]);
		}

		const results = await Promise.all(attempts.map(async ([name, password]) => auth.verify(name, password)));
		expect(results).toEqual(attempts.map(([, , expected]) => expected));
	});

	test('refuses to open a file with a plaintext password, naming the line', async () => {
		await writeFile(usersFile, `${demoUsers}carol:hunter2\n`);
		const error: unknown = await Authenticator.open({usersFile, workers: 1}).catch((error: unknown) => error);
		expect(error).toBeInstanceOf(UsersFileError);
		expect((error as UsersFileError).line).toBe(5);
		expect((error as UsersFileError).message).toBe(`${usersFile}:5: "carol" has a plaintext password; replace it with: natter users add carol --users ${usersFile}`);
	});

	test('reload picks up added, changed and removed users', async () => {
		const auth = await open(demoUsers);
		await writeFile(usersFile, `alice:${bcrypt.hashSync('new-password', 4)}\ncarol:${bcrypt.hashSync('c', 4)}\n`);
		expect(await auth.reload()).toEqual({users: 2, removed: ['bob'], changed: ['alice']});
		expect(auth.names()).toEqual(['alice', 'carol']);
		expect(await auth.verify('alice', 'wonderland')).toBe(false);
		expect(await auth.verify('alice', 'new-password')).toBe(true);
		expect(await auth.verify('carol', 'c')).toBe(true);
		expect(await auth.verify('bob', 'builder')).toBe(false);
	});

	test('a reload that fails throws and keeps the old users', async () => {
		const auth = await open(demoUsers);
		await writeFile(usersFile, `${demoUsers}dave:plaintext\n`);
		await expect(auth.reload()).rejects.toThrow(UsersFileError);
		await rm(usersFile);
		await expect(auth.reload()).rejects.toThrow(/does not exist/);
		expect(auth.names()).toEqual(['alice', 'bob']);
		expect(await auth.verify('alice', 'wonderland')).toBe(true);
	});

	test('overlapping reloads end with the file as last read', async () => {
		const auth = await open(demoUsers);
		const first = auth.reload();
		await writeFile(usersFile, `carol:${bcrypt.hashSync('c', 4)}\n`);
		const second = auth.reload();
		await first;
		expect(await second).toMatchObject({users: 1});
		expect(auth.names()).toEqual(['carol']);
	});

	test('verify fails after close', async () => {
		const auth = await open(demoUsers);
		await auth.close();
		await expect(auth.verify('alice', 'wonderland')).rejects.toThrow('bcrypt pool is closed');
	});
});
