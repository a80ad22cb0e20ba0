import {accessSync, constants, statSync} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {lockStore} from './lock.js';

/** `PRAGMA application_id` of a natter store ("natr"), so another program's database is not taken for one. */
export const APPLICATION_ID = 0x6E_61_74_72;

/**
Messages go to `log`, an append-only table in rowid order with no secondary index: on this
machine that takes ~500 k rows/s where a (conversation, seq) index per row caps near 40 k/s. The
lookup by (conversation, seq) lives in `runs`, written in batches from memory: one row per run of
consecutive seqs of one conversation, holding the log ids of those seqs (little-endian u32 deltas
from `first_id`). A conversation's last seq is not written per message: it is the newest of its
`floor` (seqs up to it are gone: pruned, or the group removed), its last run and the log's tail.
`meta.scan_from` is the first log id that may not be in `runs` yet: the tail re-read on open.
A DM conversation dropped with a forgotten user keeps its row (its seq goes on) and is left out of
`dmPartners` while its last seq is at most `unlisted_through`.
`conversations.name` has no index (v3): every name is read into memory on open, where the store
looks them up; a conversation's row is written once, with the next cid, so the table only appends.
*/
const migrations: readonly string[] = [
	`CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
	CREATE TABLE conversations(
		cid INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		floor INTEGER NOT NULL DEFAULT 0,
		last_id INTEGER NOT NULL DEFAULT 0);
	CREATE TABLE log(
		id INTEGER PRIMARY KEY,
		cid INTEGER NOT NULL,
		seq INTEGER NOT NULL,
		at INTEGER NOT NULL,
		msgid TEXT NOT NULL,
		ts TEXT NOT NULL,
		sender TEXT NOT NULL,
		text TEXT NOT NULL);
	CREATE TABLE runs(
		cid INTEGER NOT NULL,
		first_seq INTEGER NOT NULL,
		first_id INTEGER NOT NULL,
		ids BLOB NOT NULL,
		PRIMARY KEY(cid, first_seq)) WITHOUT ROWID;
	CREATE TABLE group_members(grp TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY(grp, user)) WITHOUT ROWID;
	CREATE TABLE read_markers(user TEXT NOT NULL, conv TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(user, conv)) WITHOUT ROWID;
	CREATE TABLE undelivered(
		id INTEGER PRIMARY KEY,
		user TEXT NOT NULL,
		conv TEXT NOT NULL,
		seq INTEGER NOT NULL,
		msgid TEXT NOT NULL,
		ts TEXT NOT NULL,
		sender TEXT NOT NULL,
		text TEXT NOT NULL);
	CREATE INDEX undelivered_by_user ON undelivered(user, msgid);`,
	// A DM conversation dropped with a forgotten user is not listed while its last seq is at most this.
	'ALTER TABLE conversations ADD COLUMN unlisted_through INTEGER NOT NULL DEFAULT 0;',
	// No UNIQUE index on `name`: a new DM pair per message put a random-position B-tree insert (and a
	// dirty page to commit) behind nearly every message. Names are unique in memory (all are loaded on
	// open), and new rows only ever append in cid order.
	`CREATE TABLE conversations_v3(
		cid INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		floor INTEGER NOT NULL DEFAULT 0,
		last_id INTEGER NOT NULL DEFAULT 0,
		unlisted_through INTEGER NOT NULL DEFAULT 0);
	INSERT INTO conversations_v3(cid, name, floor, last_id, unlisted_through) SELECT cid, name, floor, last_id, unlisted_through FROM conversations;
	DROP TABLE conversations;
	ALTER TABLE conversations_v3 RENAME TO conversations;`,
	// `/me`: the message is an action. Set by an UPDATE in the same transaction as the row's INSERT, so
	// the multi-row INSERT of ordinary messages binds no more than before.
	`ALTER TABLE log ADD COLUMN action INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE undelivered ADD COLUMN action INTEGER NOT NULL DEFAULT 0;`,
];

/** The schema version this code writes; `migrations[n - 1]` takes a database from version n - 1 to n. */
export const SCHEMA_VERSION = migrations.length;

function fail(file: string, problem: string): Error {
	return new Error(`cannot open the message store ${file}: ${problem}`);
}

function errorCode(error: unknown): string | undefined {
	return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Clear errors for the usual ways a path is wrong, before SQLite gives its terse ones. */
function checkPath(file: string): void {
	const directory = path.dirname(path.resolve(file));
	let directoryStat;
	try {
		directoryStat = statSync(directory);
	} catch (error) {
		throw fail(file, errorCode(error) === 'ENOENT' ? `the directory ${directory} does not exist` : `cannot read the directory ${directory} (${describe(error)})`);
	}

	if (!directoryStat.isDirectory()) {
		throw fail(file, `${directory} is not a directory`);
	}

	try {
		accessSync(directory, constants.W_OK);
	} catch {
		throw fail(file, `the directory ${directory} is not writable (the store needs to create its -wal file there)`);
	}

	let fileStat;
	try {
		fileStat = statSync(file);
	} catch {
		return; // Missing: it is created.
	}

	if (!fileStat.isFile()) {
		throw fail(file, 'it is not a regular file');
	}

	try {
		accessSync(file, constants.R_OK | constants.W_OK);
	} catch {
		throw fail(file, 'the file is not readable and writable');
	}
}

function explain(file: string, error: unknown): Error {
	switch (errorCode(error)) {
		case 'SQLITE_NOTADB': {
			return fail(file, 'the file is not a SQLite database (it is not a natter store, or it is damaged); move it away or pick another --data file');
		}

		case 'SQLITE_CORRUPT': {
			return fail(file, `the database is damaged (${describe(error)}); restore a backup or move it away`);
		}

		case 'SQLITE_BUSY': {
			return fail(file, 'the database is locked by another program');
		}

		default: {
			return fail(file, describe(error));
		}
	}
}

export type OpenedDatabase = {readonly db: Database.Database; readonly unlock: () => void};

/**
Opens (or creates) the store's database: this process its only writer (see lock.ts), WAL,
`synchronous=NORMAL`, a passing `quick_check`, and the schema migrated to `SCHEMA_VERSION`.
Never replaces a bad file.
*/
export function openDatabase(file: string, pragmas: readonly string[] = []): OpenedDatabase {
	checkPath(file);
	let unlock: () => void;
	try {
		unlock = lockStore(file);
	} catch (error) {
		throw fail(file, describe(error));
	}

	let db: Database.Database;
	try {
		db = new Database(file);
	} catch (error) {
		unlock();
		throw explain(file, error);
	}

	try {
		db.pragma('busy_timeout = 2000');
		const mode = db.pragma('journal_mode = WAL', {simple: true});
		if (mode !== 'wal') {
			throw new Error(`SQLite would not switch to WAL mode (journal_mode is ${String(mode)})`);
		}

		db.pragma('synchronous = NORMAL');
		const check = db.pragma('quick_check', {simple: true});
		if (check !== 'ok') {
			const problems = String(check).split('\n').filter(line => !line.startsWith('***'));
			throw fail(file, `the database is damaged: PRAGMA quick_check fails (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}); restore a backup or move it away`);
		}

		migrate(file, db);
		for (const pragma of pragmas) {
			db.pragma(pragma);
		}
	} catch (error) {
		db.close();
		unlock();
		throw error instanceof Error && error.message.startsWith('cannot open') ? error : explain(file, error);
	}

	return {db, unlock};
}

function migrate(file: string, db: Database.Database): void {
	const applicationId = db.pragma('application_id', {simple: true});
	const version = db.pragma('user_version', {simple: true});
	const tables = db.prepare<[], number>('SELECT count(*) FROM sqlite_schema').pluck().get() ?? 0;
	if (typeof version !== 'number' || (applicationId !== APPLICATION_ID && !(applicationId === 0 && version === 0 && tables === 0))) {
		throw fail(file, 'it is a SQLite database but not a natter message store');
	}

	if (version > SCHEMA_VERSION) {
		throw fail(file, `it was written by a newer natter (schema version ${version}; this one knows up to ${SCHEMA_VERSION})`);
	}

	const upgrade = db.transaction(() => {
		for (let next = version; next < SCHEMA_VERSION; next++) {
			db.exec(migrations[next]!);
		}

		db.pragma(`application_id = ${APPLICATION_ID}`);
		db.pragma(`user_version = ${SCHEMA_VERSION}`);
	});
	if (version < SCHEMA_VERSION) {
		upgrade();
	}
}
