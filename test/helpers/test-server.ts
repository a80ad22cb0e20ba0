import {mkdtemp, rm, writeFile, appendFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import {startServer, type NatterServer, type ServerOptions} from '../../server/index.js';

/** The users every test server knows, with their passwords. */
export const testUsers = {
	alice: 'wonderland',
	bob: 'builder',
	carol: 'christmas',
	dave: 'davespassword',
} as const satisfies Record<string, string>;

/** Cost 4: bcrypt compares at any cost, and tests should not spend their time hashing. */
export function testHash(password: string): string {
	return bcrypt.hashSync(password, 4);
}

export function usersFileText(users: Readonly<Record<string, string>>): string {
	return `# natter test users\n${Object.entries(users).map(([name, password]) => `${name}:${testHash(password)}`).join('\n')}\n`;
}

export type TestServer = {
	readonly server: NatterServer;
	readonly host: string;
	readonly port: number;
	/** The temp users.txt the server reads. */
	readonly usersFile: string;
	readonly dir: string;
	/** Append a user to the users file (the server sees it after `server.reloadUsers()`). */
	addUser(name: string, password: string): Promise<void>;
	/** Close the server and remove the temp dir. */
	close(): Promise<void>;
};

/**
A real server on a free loopback port with a temp users.txt (`testUsers`, or `users`).
Fast defaults for tests: small login failure delays; a SQLite data file in the temp dir; everything else as in production unless overridden.
*/
export async function startTestServer(options: Partial<Omit<ServerOptions, 'usersFile'>> & {users?: Readonly<Record<string, string>>} = {}): Promise<TestServer> {
	const {users = testUsers, ...serverOptions} = options;
	const dir = await mkdtemp(path.join(tmpdir(), 'natter-test-'));
	const usersFile = path.join(dir, 'users.txt');
	await writeFile(usersFile, usersFileText(users));
	const server = await startServer({
		host: '127.0.0.1',
		port: 0,
		failureDelay: {baseMs: 1, capMs: 5},
		authWorkers: 1,
		// A real SQLite file, as `natter serve` uses by default.
		data: path.join(dir, 'natter.db'),
		...serverOptions,
		usersFile,
	});
	return {
		server,
		host: server.address.host,
		port: server.address.port,
		usersFile,
		dir,
		async addUser(name, password) {
			await appendFile(usersFile, `${name}:${testHash(password)}\n`);
		},
		async close() {
			await server.close();
			await rm(dir, {recursive: true, force: true});
		},
	};
}
