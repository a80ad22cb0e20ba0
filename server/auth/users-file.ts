import {randomBytes} from 'node:crypto';
import {open, readFile, realpath, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import {nameProblem, normalizeName} from '../../source/protocol/index.js';

/** `$2a$`, `$2b$` or `$2y$`, a two-digit cost, then 22 characters of salt and 31 of hash. */
const bcryptHashPattern = /^\$2[aby]\$(\d{2})\$[./A-Za-z\d]{53}$/;

export function isBcryptHash(value: string): boolean {
	return bcryptHashPattern.test(value);
}

/** The cost (log2 rounds) stored in a bcrypt hash, or undefined when `hash` is not one. */
export function bcryptCost(hash: string): number | undefined {
	const cost = bcryptHashPattern.exec(hash)?.[1];
	return cost === undefined ? undefined : Number(cost);
}

export class UsersFileError extends Error {
	override readonly name = 'UsersFileError';
	readonly file: string;
	readonly line?: number;

	constructor(message: string, options: {file: string; line?: number; cause?: unknown}) {
		super(message, {cause: options.cause});
		this.file = options.file;
		this.line = options.line;
	}
}

export type UsersFileLine = {
	/** The line as written, without its line ending. */
	readonly text: string;
	/** The normalized user name when the line names a valid one, whether or not its hash is usable. */
	readonly name?: string;
};

export type UsersFileProblem = {
	readonly line: number;
	readonly message: string;
};

export type UsersFile = {
	readonly file: string;
	readonly lines: readonly UsersFileLine[];
	/** Normalized name → bcrypt hash, in file order, for every line without a problem. */
	readonly users: ReadonlyMap<string, string>;
	readonly problems: readonly UsersFileProblem[];
	readonly eol: '\n' | '\r\n';
};

/** Quotes a path for the copy-pasteable fix command only when the shell needs it. */
function shellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll('\'', '\'\\\'\'')}'`;
}

export function fixCommand(name: string, file: string): string {
	return `natter users add ${name} --users ${shellWord(file)}`;
}

/** A name from the file, shown quoted and with any control characters escaped. */
function quoted(name: string): string {
	return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

/**
Parses users.txt leniently: every line is kept (so the file can be rewritten as it was), and
each line that cannot be used becomes a problem. Never puts a password into a message.
*/
export function parseUsersFile(text: string, file: string): UsersFile {
	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	const rawLines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
	if (rawLines.at(-1) === '') {
		rawLines.pop();
	}

	const lines: UsersFileLine[] = [];
	const users = new Map<string, string>();
	const firstLineOf = new Map<string, number>();
	const problems: UsersFileProblem[] = [];

	for (const [index, lineText] of rawLines.entries()) {
		const lineNumber = index + 1;
		const where = `${file}:${lineNumber}`;
		const trimmed = lineText.trim();
		if (trimmed === '' || trimmed.startsWith('#')) {
			lines.push({text: lineText});
			continue;
		}

		const colon = trimmed.indexOf(':');
		if (colon === -1) {
			lines.push({text: lineText});
			problems.push({line: lineNumber, message: `${where}: expected "name:<bcrypt hash>"; fix or delete the line`});
			continue;
		}

		const rawName = trimmed.slice(0, colon).trim();
		const value = trimmed.slice(colon + 1).trim();
		const invalidName = nameProblem(rawName, 'user');
		if (invalidName !== undefined) {
			lines.push({text: lineText});
			problems.push({line: lineNumber, message: `${where}: ${quoted(rawName)} is not a valid user name (${invalidName}); fix or delete the line`});
			continue;
		}

		const name = normalizeName(rawName);
		lines.push({text: lineText, name});
		const fix = fixCommand(name, file);
		const firstLine = firstLineOf.get(name);
		if (firstLine !== undefined) {
			problems.push({line: lineNumber, message: `${where}: "${name}" is listed again (first on line ${firstLine}, names ignore case); delete one line, or set a new password with: ${fix}`});
			continue;
		}

		firstLineOf.set(name, lineNumber);
		if (isBcryptHash(value)) {
			users.set(name, value);
		} else if (value === '') {
			problems.push({line: lineNumber, message: `${where}: "${name}" has no password hash; set one with: ${fix}`});
		} else if (value.startsWith('$')) {
			problems.push({line: lineNumber, message: `${where}: "${name}" does not have a valid bcrypt hash; replace it with: ${fix}`});
		} else {
			problems.push({line: lineNumber, message: `${where}: "${name}" has a plaintext password; replace it with: ${fix}`});
		}
	}

	return {file, lines, users, problems, eol};
}

function isMissing(error: unknown): boolean {
	return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Reads and parses users.txt leniently; a missing file yields undefined. */
export async function readUsersFile(file: string): Promise<UsersFile | undefined> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if (isMissing(error)) {
			return undefined;
		}

		throw new UsersFileError(`${file}: cannot read the users file: ${(error as Error).message}`, {file, cause: error});
	}

	return parseUsersFile(text, file);
}

/** Reads users.txt strictly, as the server does: a missing file or any problem throws UsersFileError. */
export async function loadUsers(file: string): Promise<ReadonlyMap<string, string>> {
	const parsed = await readUsersFile(file);
	if (parsed === undefined) {
		throw new UsersFileError(`${file}: the users file does not exist; create it with: natter users add <name> --users ${shellWord(file)}`, {file});
	}

	const [first, ...more] = parsed.problems;
	if (first !== undefined) {
		const andMore = more.length === 0 ? '' : ` (and ${more.length} more problem${more.length === 1 ? '' : 's'}: ${more.map(problem => `line ${problem.line}`).join(', ')})`;
		throw new UsersFileError(first.message + andMore, {file, line: first.line});
	}

	return parsed.users;
}

/** Sets `name`'s hash: replaces its first line in place (dropping any repeats), or appends a line. */
export function withUser(lines: readonly UsersFileLine[], name: string, hash: string): UsersFileLine[] {
	const normalized = normalizeName(name);
	const line: UsersFileLine = {text: `${normalized}:${hash}`, name: normalized};
	const index = lines.findIndex(existing => existing.name === normalized);
	if (index === -1) {
		return [...lines, line];
	}

	return lines.flatMap((existing, at) => {
		if (at === index) {
			return [line];
		}

		return existing.name === normalized ? [] : [existing];
	});
}

/** Every line except those of `name`. */
export function withoutUser(lines: readonly UsersFileLine[], name: string): UsersFileLine[] {
	const normalized = normalizeName(name);
	return lines.filter(line => line.name !== normalized);
}

export function formatUsersFile(lines: readonly UsersFileLine[], eol: '\n' | '\r\n' = '\n'): string {
	return lines.map(line => line.text + eol).join('');
}

/** users.txt itself, following a symlink, or `file` when it does not exist yet. */
async function resolveTarget(file: string): Promise<string> {
	try {
		return await realpath(file);
	} catch (error) {
		if (isMissing(error)) {
			return file;
		}

		throw error;
	}
}

/** A lock whose holder is gone (crashed or killed) on this host. */
async function isStaleLock(lock: string): Promise<boolean> {
	const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
	// An empty lock is still being written by its holder.
	if (!Number.isInteger(pid) || pid <= 0) {
		return false;
	}

	try {
		process.kill(pid, 0);
		return false;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ESRCH';
	}
}

/**
Runs `action` (read, change, write) while holding `<users file>.lock`, so that two `natter users`
runs at once do not lose each other's change. `onWait` is called once if another run holds it.
*/
export async function withUsersFileLock<T>(file: string, action: () => Promise<T>, options: {timeoutMs?: number; onWait?: (lock: string) => void} = {}): Promise<T> {
	const lock = `${await resolveTarget(file)}.lock`;
	const deadline = Date.now() + (options.timeoutMs ?? 10_000);
	let waited = false;
	for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 200)) {
		try {
			const handle = await open(lock, 'wx', 0o600);
			try {
				await handle.writeFile(String(process.pid));
			} finally {
				await handle.close();
			}

			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}
		}

		if (await isStaleLock(lock)) {
			await rm(lock, {force: true});
			continue;
		}

		if (Date.now() > deadline) {
			throw new UsersFileError(`${file}: another natter users run holds ${lock}; delete that file if none is running`, {file});
		}

		if (!waited) {
			waited = true;
			options.onWait?.(lock);
		}

		await new Promise(resolve => {
			setTimeout(resolve, delayMs);
		});
	}

	try {
		return await action();
	} finally {
		await rm(lock, {force: true});
	}
}

/**
Replaces the file atomically: a reader (the server on SIGHUP) sees the old or the new file,
never half of one, and a crash mid-write leaves the old file. A symlinked users.txt keeps its
link (the target is replaced), an existing file keeps its mode, a new one is created 0600.
*/
export async function writeUsersFile(file: string, text: string): Promise<void> {
	const target = await resolveTarget(file);
	let mode = 0o600;
	try {
		mode = (await stat(target)).mode & 0o777;
	} catch (error) {
		if (!isMissing(error)) {
			throw error;
		}
	}

	const directory = path.dirname(target);
	const temporary = path.join(directory, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
	try {
		const handle = await open(temporary, 'wx', mode);
		try {
			await handle.chmod(mode);
			await handle.writeFile(text, 'utf8');
			await handle.sync();
		} finally {
			await handle.close();
		}

		await rename(temporary, target);
	} catch (error) {
		await rm(temporary, {force: true});
		throw error;
	}

	// Persist the rename itself; not every platform lets a directory be opened for this.
	try {
		const directoryHandle = await open(directory, 'r');
		try {
			await directoryHandle.sync();
		} finally {
			await directoryHandle.close();
		}
	} catch {}
}
