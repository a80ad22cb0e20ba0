import {existsSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import type {ReadStream} from 'node:tty';
import meow from 'meow';
import {passwordProblem} from '../../server/auth/authenticator.js';
import {BcryptPool} from '../../server/auth/bcrypt-pool.js';
import {
	formatUsersFile,
	parseUsersFile,
	readUsersFile,
	type UsersFile,
	withoutUser,
	withUser,
	withUsersFileLock,
	writeUsersFile,
} from '../../server/auth/users-file.js';
import {lockOwner} from '../../server/store/sqlite/lock.js';
import {SqliteStore} from '../../server/store/sqlite-store.js';
import {nameProblem, normalizeName} from '../protocol/index.js';
import {PromptAbortedError, promptMasked} from './password-prompt.js';

const defaultCost = 12;
const minimumCost = 10;
// Each step doubles the time of every login; at 20 one login costs minutes of CPU.
const maximumCost = 20;
// Two lines of at most 72 bytes fit many times over; more is not a password.
const maximumStdinBytes = 64 * 1024;

const help = `
	Usage
	  $ natter users add NAME [--users FILE] [--data FILE] [--cost N]
	  $ natter users passwd NAME [--users FILE] [--data FILE] [--cost N]
	  $ natter users remove NAME [--users FILE] [--data FILE]
	  $ natter users list [--users FILE]

	Manages the users file of a natter server: one "name:<bcrypt hash>" per line,
	"#" comments and blank lines kept. Every change rewrites the file atomically.
	A running "natter serve" picks up changes when it gets SIGHUP: a removed user's
	sessions are ended and what the name held is dropped; a user whose password
	changed has every session ended (they log in again with the new one).
	When the server that uses --data is running, every change sends it SIGHUP.
	When it is not, "remove" drops what the name held (memberships, DMs, read
	markers, waiting messages) from --data itself, so a later account of the same
	name inherits nothing; it does so even for a name already gone from the file.

	Commands
	  add NAME      add a user, or set a new password for one; creates the file if missing
	  passwd NAME   set a new password for an existing user (a typo in NAME adds nobody)
	  remove NAME   remove a user
	  list          print the users, one name per line

	Options
	  --users FILE  the users file (default ./users.txt, or $NATTER_USERS)
	  --data FILE   the server's data file (default natter.db beside the users file,
	                or $NATTER_DATA), as for natter serve
	  --cost N      bcrypt cost for add, ${minimumCost} to ${maximumCost} (default ${defaultCost});
	                each step doubles the time one login takes
	  --help        show this help

	Password for add and passwd
	  On a terminal: asked twice, masked with "*"; Ctrl+C aborts (exit 130).
	  Otherwise read from stdin: either one line, or two lines that must match.
	    $ printf '%s\\n' "$PASSWORD" "$PASSWORD" | natter users add alice
	  Passwords are 1 to 72 bytes (bcrypt ignores anything past 72 bytes).

	Names are 1 to 32 characters of a-z, 0-9, "_" and "-", starting with a letter
	or digit, and compare ignoring case.

	Exit codes: 0 ok, 1 failure, 2 usage error.
`;

class UsageError extends Error {}
class FailureError extends Error {}

type Options = {
	readonly usersFile: string;
	/** The SQLite data file of the server using the users file (`:memory:`: none). */
	readonly dataFile: string;
	readonly cost: number;
};

function say(line: string): void {
	process.stderr.write(`${line}\n`);
}

function checkName(name: string | undefined): string {
	if (name === undefined) {
		throw new UsageError('missing the user NAME');
	}

	const problem = nameProblem(name, 'user');
	if (problem !== undefined) {
		throw new UsageError(`invalid name ${JSON.stringify(name)}: ${problem}`);
	}

	return normalizeName(name);
}

async function readAllStdin(): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of process.stdin) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > maximumStdinBytes) {
			throw new FailureError('stdin holds more than a password; expected one or two lines');
		}

		chunks.push(buffer);
	}

	return Buffer.concat(chunks).toString('utf8');
}

/** One line, or two equal lines; a final newline is optional. */
function passwordFromStdin(text: string): string {
	const lines = text.split(/\r?\n/);
	if (lines.at(-1) === '') {
		lines.pop();
	}

	const [first, second, ...rest] = lines;
	if (first === undefined) {
		throw new FailureError('no password on stdin; pipe one line, or two equal lines');
	}

	if (rest.length > 0) {
		throw new FailureError(`stdin holds ${lines.length} lines; expected the password once, or twice to confirm it`);
	}

	if (second !== undefined && second !== first) {
		throw new FailureError('the two passwords on stdin do not match');
	}

	return first;
}

async function readPassword(name: string): Promise<string> {
	if (!process.stdin.isTTY) {
		return passwordFromStdin(await readAllStdin());
	}

	const [first, second] = await promptMasked([`Password for ${name}: `, 'Repeat the password: '], process.stdin as ReadStream, process.stderr);
	if (first !== second) {
		throw new FailureError('the passwords do not match; nothing changed');
	}

	return first ?? '';
}

function reloadHint(file: string): void {
	say(`A running natter serve using ${file} picks this up on SIGHUP (kill -HUP <pid>).`);
}

/** The running server that uses the data file, told to re-read the users file; false when none runs. */
function reloadServer(options: Options): boolean {
	const pid = options.dataFile === ':memory:' ? undefined : lockOwner(options.dataFile);
	if (pid === undefined) {
		return false;
	}

	try {
		process.kill(pid, 'SIGHUP');
	} catch (error) {
		say(`warning: could not signal natter serve (pid ${pid}): ${(error as Error).message}`);
		return false;
	}

	say(`Told natter serve (pid ${pid}, using ${options.dataFile}) to re-read ${options.usersFile} (SIGHUP).`);
	return true;
}

async function holdsAnything(store: SqliteStore, name: string): Promise<boolean> {
	const [groups, partners, markers, waiting] = await Promise.all([store.groupsOf(name), store.dmPartners(name, 1), store.readMarkers(name), store.undeliveredCount(name)]);
	return groups.length > 0 || partners.length > 0 || markers.size > 0 || waiting > 0;
}

/**
With no server running: forgets what `name` held in the data file (as the server's reload would).
False when there is no data file, or (`onlyIfHeld`) when the name held nothing there.
*/
async function dropFromStore(name: string, options: Options, onlyIfHeld = false): Promise<boolean> {
	if (options.dataFile === ':memory:' || !existsSync(options.dataFile)) {
		return false;
	}

	let store: SqliteStore;
	try {
		// No retention limits: this run must not prune what the server keeps under its own settings.
		store = await SqliteStore.open({file: options.dataFile, historyMax: 0, historyDays: 0});
	} catch (error) {
		throw new FailureError(`could not drop what ${name} held: ${(error as Error).message}`);
	}

	try {
		if (onlyIfHeld && !await holdsAnything(store, name)) {
			return false;
		}

		await store.forgetUser(name);
	} finally {
		await store.close();
	}

	say(`Dropped what ${name} held in ${options.dataFile} (memberships, DMs, read markers, waiting messages).`);
	return true;
}

function waitingFor(lock: string): void {
	say(`Waiting for ${lock} (another natter users run is changing the file)…`);
}

function warnAboutProblems(parsed: UsersFile): void {
	for (const problem of parsed.problems) {
		say(`warning: ${problem.message}`);
	}
}

async function add(name: string, options: Options, mustExist = false): Promise<void> {
	// Fail on an unreadable file, or a missing user for passwd, before asking for a password.
	const before = await readUsersFile(options.usersFile);
	const known = (file: UsersFile | undefined) => file?.lines.some(line => line.name === name) ?? false;
	if (mustExist && !known(before)) {
		throw new FailureError(`no user "${name}" in ${options.usersFile} (add one with natter users add ${name})`);
	}

	const password = await readPassword(name);
	const problem = passwordProblem(password);
	if (problem !== undefined) {
		throw new FailureError(`${problem}; nothing changed`);
	}

	const pool = new BcryptPool({size: 1});
	let hash: string;
	try {
		hash = await pool.hash(password, options.cost);
	} finally {
		await pool.close();
	}

	// Read again under the lock: the file may have changed while the password was typed.
	const {existed, text} = await withUsersFileLock(options.usersFile, async () => {
		const current = await readUsersFile(options.usersFile) ?? parseUsersFile('', options.usersFile);
		if (mustExist && !known(current)) {
			throw new FailureError(`no user "${name}" in ${options.usersFile} any more; nothing changed`);
		}

		const changed = formatUsersFile(withUser(current.lines, name, hash), current.eol);
		await writeUsersFile(options.usersFile, changed);
		return {existed: current.lines.some(line => line.name === name), text: changed};
	}, {onWait: waitingFor});
	say(existed ? `Set a new password for ${name} in ${options.usersFile}.` : `Added ${name} to ${options.usersFile}.`);
	warnAboutProblems(parseUsersFile(text, options.usersFile));
	if (!reloadServer(options)) {
		reloadHint(options.usersFile);
	}
}

async function remove(name: string, options: Options): Promise<void> {
	if (await readUsersFile(options.usersFile) === undefined) {
		throw new FailureError(`${options.usersFile} does not exist`);
	}

	const text = await withUsersFileLock(options.usersFile, async () => {
		const current = await readUsersFile(options.usersFile);
		if (current === undefined) {
			throw new FailureError(`${options.usersFile} does not exist`);
		}

		if (!current.lines.some(line => line.name === name)) {
			return undefined;
		}

		const changed = formatUsersFile(withoutUser(current.lines, name), current.eol);
		await writeUsersFile(options.usersFile, changed);
		return changed;
	}, {onWait: waitingFor});
	if (text === undefined) {
		// Taken out of the file by hand while the server was stopped: what the name held may still be stored.
		if (lockOwner(options.dataFile) === undefined && await dropFromStore(name, options, true)) {
			say(`(${name} was not in ${options.usersFile}.)`);
			return;
		}

		throw new FailureError(`no user "${name}" in ${options.usersFile}`);
	}

	say(`Removed ${name} from ${options.usersFile}.`);
	warnAboutProblems(parseUsersFile(text, options.usersFile));
	if (!reloadServer(options)) {
		await dropFromStore(name, options);
		// A server on another data file (or :memory:, or Redis) still needs telling.
		reloadHint(options.usersFile);
	}
}

/** Every named user, one per line on stdout; a line the server would refuse makes the exit code 1. */
async function list(options: Options): Promise<void> {
	const current = await readUsersFile(options.usersFile);
	if (current === undefined) {
		throw new FailureError(`${options.usersFile} does not exist`);
	}

	const names = new Set(current.lines.flatMap(line => (line.name === undefined ? [] : [line.name])));
	process.stdout.write([...names].map(name => `${name}\n`).join(''));
	if (current.problems.length > 0) {
		for (const problem of current.problems) {
			say(problem.message);
		}

		throw new FailureError(`${options.usersFile} has ${current.problems.length} problem${current.problems.length === 1 ? '' : 's'}; natter serve would refuse it`);
	}
}

function parseArguments(argv: string[]): {help: true} | {help: false; action: string; name?: string; options: Options} {
	let cli;
	try {
		cli = meow(help, {
			importMeta: import.meta,
			argv,
			autoHelp: false,
			autoVersion: false,
			allowUnknownFlags: false,
			flags: {
				users: {type: 'string', default: process.env['NATTER_USERS'] || './users.txt'},
				data: {type: 'string'},
				cost: {type: 'number', default: defaultCost},
				help: {type: 'boolean', shortFlag: 'h', default: false},
			},
		});
	} catch (error) {
		throw new UsageError((error as Error).message);
	}

	if (cli.flags.help) {
		return {help: true};
	}

	const [action, name, ...extra] = cli.input;
	if (action === undefined) {
		throw new UsageError('missing a command: add, passwd, remove or list');
	}

	if (!['add', 'passwd', 'remove', 'list'].includes(action)) {
		throw new UsageError(`unknown command "${action}"; expected add, passwd, remove or list`);
	}

	if (extra.length > 0 || (action === 'list' && name !== undefined)) {
		throw new UsageError(`unexpected argument "${action === 'list' ? name : extra[0]}"`);
	}

	const {cost, users} = cli.flags;
	const data = cli.flags.data ?? (process.env['NATTER_DATA'] || undefined);
	if (!Number.isInteger(cost) || cost < minimumCost || cost > maximumCost) {
		throw new UsageError(`--cost must be a whole number from ${minimumCost} to ${maximumCost}`);
	}

	if (users === '') {
		throw new UsageError('--users needs a file name');
	}

	if (data?.trim() === '') {
		throw new UsageError('--data needs a file name');
	}

	return {help: false, action, name, options: {usersFile: users, dataFile: data ?? path.join(path.dirname(users), 'natter.db'), cost}};
}

export async function run(argv: string[]): Promise<number> {
	try {
		const parsed = parseArguments(argv);
		if (parsed.help) {
			process.stdout.write(`${help.replaceAll(/^\t/gm, '').trim()}\n`);
			return 0;
		}

		const {action, options} = parsed;
		if (action === 'list') {
			await list(options);
		} else {
			const name = checkName(parsed.name);
			await (action === 'remove' ? remove(name, options) : add(name, options, action === 'passwd'));
		}

		return 0;
	} catch (error) {
		if (error instanceof UsageError) {
			say(`natter users: ${error.message}`);
			say('Run "natter users --help" for usage.');
			return 2;
		}

		if (error instanceof PromptAbortedError) {
			say('natter users: aborted; nothing changed');
			return error.reason === 'interrupt' ? 130 : 1;
		}

		say(`natter users: ${(error as Error).message}`);
		return 1;
	}
}
