import {spawn, type ChildProcess} from 'node:child_process';
import {setImmediate as nextTurn} from 'node:timers/promises';
import {chmodSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import Database from 'better-sqlite3';
import {afterEach, describe, expect, it} from 'vitest';
import type {ChatMessage} from '../../../source/protocol/index.js';
import {type AppendResult, dmConversationId, StoreUnavailableError} from '../../../server/core/store.js';
import {openStore} from '../../../server/store/index.js';
import {SqliteStore, type SqliteStoreOptions} from '../../../server/store/sqlite-store.js';
import {dm, groupMsg, tempDirs} from './helpers.js';

const tempDir = tempDirs();
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/append-then-wait.ts', import.meta.url));
const forgetFixture = fileURLToPath(new URL('fixtures/forget-then-wait.ts', import.meta.url));
const ab = dmConversationId('alice', 'bob');

const open: SqliteStore[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map(async store => store.close()));
});

async function openKept(options: SqliteStoreOptions): Promise<SqliteStore> {
	const store = await SqliteStore.open(options);
	open.push(store);
	return store;
}

async function fill(store: SqliteStore, count: number, group = 'g'): Promise<void> {
	for (let start = 0; start < count; start += 50) {
		const turn = [];
		for (let i = start; i < Math.min(count, start + 50); i++) {
			turn.push(store.append(`#${group}`, groupMsg(group, 'alice', `m${i + 1}`)));
		}

		await Promise.all(turn);
	}
}

/** Rows of a closed store file, read directly. */
function countRows(file: string, sql: string): number {
	const db = new Database(file, {readonly: true});
	try {
		return db.prepare<[], number>(sql).pluck().get() ?? 0;
	} finally {
		db.close();
	}
}

/** Runs a fixture script under tsx; resolves with its first stdout line (what it committed) once it prints it. */
async function startFixture(args: readonly string[], doing: string): Promise<{child: ChildProcess; exited: Promise<void>; line: string}> {
	const child = spawn(process.execPath, ['--import', 'tsx', ...args], {cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const exited = new Promise<void>(resolve => {
		child.once('exit', () => {
			resolve();
		});
	});
	const line = await new Promise<string>((resolve, reject) => {
		let stdout = '';
		child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
			stdout += chunk;
			if (stdout.includes('\n')) {
				resolve(stdout.trim());
			}
		});
		child.once('exit', code => {
			reject(new Error(`the writer exited (${code}) before ${doing}: ${stderr}`));
		});
	});
	return {child, exited, line};
}

describe('SqliteStore', () => {
	it.each([50_000, 7])('keeps everything across close and reopen (index every %i messages)', async indexEvery => {
		const file = path.join(tempDir(), 'natter.db');
		const first = await SqliteStore.open({file, indexEvery});
		await first.createGroup('g', 'alice');
		await first.addMember('g', 'bob');
		await first.createGroup('solo', 'carol');
		await fill(first, 30);
		await first.append(ab, dm('alice', 'bob', 'one'));
		const waiting = await first.append(ab, dm('alice', 'bob', 'two'), {undeliveredTo: 'bob', mailboxCap: 5});
		await first.markRead('bob', '#g', 12);
		await first.close();

		const second = await openKept({file, indexEvery});
		expect(await second.members('g')).toEqual(new Set(['alice', 'bob']));
		expect((await second.groupsOf('carol'))).toEqual(['solo']);
		expect(await second.lastSeq('#g')).toBe(30);
		const page = await second.history('#g', {before: 20, limit: 5});
		expect(page.messages.map(message => message.text)).toEqual(['m15', 'm16', 'm17', 'm18', 'm19']);
		expect(page.more).toBe(true);
		expect((await second.history('#g', {limit: 100})).messages.map(message => message.seq)).toEqual(Array.from({length: 30}, (_, i) => i + 1));
		expect(await second.readMarkers('bob')).toEqual(new Map([['#g', 12]]));
		expect(await second.undelivered('bob')).toEqual([waiting.ok && waiting.message]);
		expect(await second.dmPartners('alice', 5)).toEqual([{partner: 'bob', conversation: ab, lastSeq: 2}]);
		const next = await second.append('#g', groupMsg('g', 'bob', 'after'));
		expect(next.ok && next.message.seq).toBe(31);
		// Half the next page from the database, half from memory.
		await fill(second, 3);
		expect((await second.history('#g', {limit: 6})).messages.map(message => message.seq)).toEqual([29, 30, 31, 32, 33, 34]);
	});

	it('loses nothing that resolved when the process is killed with SIGKILL', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const {child, exited, line} = await startFixture([fixture, file, '1234', '500'], 'storing');
		expect(line).toBe('stored 1234');
		// While it runs, the file is its: a second writer is refused.
		await expect(SqliteStore.open({file})).rejects.toThrow(`it is in use by process ${child.pid}`);
		child.kill('SIGKILL');
		await exited;

		const store = await openKept({file});
		expect(await store.lastSeq('#g')).toBe(1234);
		const all = [];
		for (let before = 1235; before > 1;) {
			const page = await store.history('#g', {before, limit: 1000});
			all.unshift(...page.messages);
			before = page.messages[0]?.seq ?? 1;
		}

		expect(all.map(message => message.text)).toEqual(Array.from({length: 1234}, (_, i) => `m${i + 1}`));
		expect(await store.members('g')).toEqual(new Set(['alice', 'bob']));
		expect(await store.readMarkers('bob')).toEqual(new Map([['#g', 7]]));
		expect((await store.undelivered('bob')).map(message => message.text)).toEqual(['while you were out']);
	});

	it('refuses a file that is not a SQLite database, and leaves it alone', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const garbage = Buffer.alloc(8192, 'this is not a database ');
		writeFileSync(file, garbage);
		await expect(SqliteStore.open({file})).rejects.toThrow(`cannot open the message store ${file}: the file is not a SQLite database`);
		expect(readFileSync(file)).toEqual(garbage);
	});

	it('refuses a damaged database that fails quick_check', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const store = await SqliteStore.open({file, indexEvery: 1});
		await fill(store, 2000);
		await store.close();
		const size = statSync(file).size;
		const fd = openSync(file, 'r+');
		// Scribble over pages in the middle of the file (past the header and schema pages).
		writeSync(fd, Buffer.alloc(4096 * 4, 0xA5), 0, 4096 * 4, Math.floor(size / 2 / 4096) * 4096);
		closeSync(fd);
		await expect(SqliteStore.open({file})).rejects.toThrow(new RegExp(`cannot open the message store ${file}: .*(quick_check|damaged)`));
	});

	it('refuses a SQLite database of another program, and one from a newer natter', async () => {
		const directory = tempDir();
		const other = path.join(directory, 'other.db');
		const foreign = new Database(other);
		foreign.exec('CREATE TABLE recipes(name TEXT)');
		foreign.close();
		await expect(SqliteStore.open({file: other})).rejects.toThrow('it is a SQLite database but not a natter message store');

		const newer = path.join(directory, 'newer.db');
		await (await SqliteStore.open({file: newer})).close();
		const db = new Database(newer);
		db.pragma('user_version = 99');
		db.close();
		await expect(SqliteStore.open({file: newer})).rejects.toThrow(/written by a newer natter \(schema version 99/);
	});

	it('says clearly when the directory is missing or not a directory', async () => {
		const directory = tempDir();
		const missing = path.join(directory, 'nope', 'natter.db');
		await expect(SqliteStore.open({file: missing})).rejects.toThrow(`cannot open the message store ${missing}: the directory ${path.join(directory, 'nope')} does not exist`);
		writeFileSync(path.join(directory, 'plain'), 'x');
		const underFile = path.join(directory, 'plain', 'natter.db');
		await expect(SqliteStore.open({file: underFile})).rejects.toThrow('is not a directory');
		await expect(SqliteStore.open({file: directory})).rejects.toThrow('it is not a regular file');
	});

	it.skipIf(process.getuid?.() === 0)('says clearly when the directory is not writable', async () => {
		const directory = path.join(tempDir(), 'locked');
		mkdirSync(directory);
		chmodSync(directory, 0o555);
		await expect(SqliteStore.open({file: path.join(directory, 'natter.db')})).rejects.toThrow('is not writable');
	});

	it('refuses a second store on a file that is in use', async () => {
		const file = path.join(tempDir(), 'natter.db');
		await openKept({file});
		await expect(SqliteStore.open({file})).rejects.toThrow('it is already open in this process');
	});

	it('prunes by count on open and deletes the rows, seqs going on', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const first = await SqliteStore.open({file, indexEvery: 10});
		await fill(first, 40);
		await first.close();
		const second = await SqliteStore.open({file, historyMax: 15});
		expect(second.stats().prunedMessages).toBe(25);
		expect((await second.history('#g', {limit: 100})).messages.map(message => message.seq)).toEqual(Array.from({length: 15}, (_, i) => i + 26));
		await second.close();
		expect(countRows(file, 'SELECT count(*) FROM log')).toBe(15);
		// A larger limit later does not bring anything back (no holes either).
		const third = await openKept({file, historyMax: 100});
		const page = await third.history('#g', {limit: 100});
		expect(page.messages.map(message => message.seq)).toEqual(Array.from({length: 15}, (_, i) => i + 26));
		expect(page.more).toBe(false);
		const next = await third.append('#g', groupMsg('g', 'alice'));
		expect(next.ok && next.message.seq).toBe(41);
	});

	it('prunes by age with an injected clock, on prune() and on open', async () => {
		const file = path.join(tempDir(), 'natter.db');
		let clock = Date.parse('2026-11-01T00:00:00Z');
		const now = () => clock;
		const first = await SqliteStore.open({file, historyDays: 1, now});
		await fill(first, 10);
		await first.append(ab, dm('alice', 'bob'));
		clock += 20 * 3_600_000;
		await fill(first, 5);
		clock += 20 * 3_600_000;
		await first.prune();
		expect((await first.history('#g', {limit: 100})).messages.map(message => message.seq)).toEqual([11, 12, 13, 14, 15]);
		expect(await first.history(ab, {limit: 100})).toEqual({messages: [], more: false});
		expect(await first.lastSeq(ab)).toBe(1);
		await first.close();
		expect(countRows(file, 'SELECT count(*) FROM log')).toBe(5);

		clock += 24 * 3_600_000;
		const second = await openKept({file, historyDays: 1, now});
		expect(await second.history('#g', {limit: 100})).toEqual({messages: [], more: false});
		expect(await second.lastSeq('#g')).toBe(15);
		expect(await second.dmPartners('bob', 5)).toEqual([{partner: 'alice', conversation: ab, lastSeq: 1}]);
		const next = await second.append(ab, dm('bob', 'alice'));
		expect(next.ok && next.message.seq).toBe(2);
	});

	it('deletes a dropped group\'s rows', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const store = await SqliteStore.open({file, indexEvery: 25});
		await store.createGroup('g', 'alice');
		await fill(store, 60);
		await store.append(ab, dm('alice', 'bob'));
		expect(await store.removeMember('g', 'alice')).toBe('removed_group');
		await store.prune();
		await store.close();
		expect(countRows(file, 'SELECT count(*) FROM log')).toBe(1);
		expect(countRows(file, 'SELECT count(*) FROM runs WHERE cid = (SELECT cid FROM conversations WHERE name = \'#g\')')).toBe(0);
		const again = await openKept({file});
		expect(await again.lastSeq('#g')).toBe(60);
		expect(await again.members('g')).toBeUndefined();
	});

	it.each([50_000, 3])('keeps a forgotten user forgotten across close and reopen, and deletes their DM rows (index every %i messages)', async indexEvery => {
		const file = path.join(tempDir(), 'natter.db');
		const ad = dmConversationId('alice', 'dave');
		const first = await SqliteStore.open({file, indexEvery});
		await first.createGroup('solo', 'dave');
		await first.createGroup('g', 'alice');
		await first.addMember('g', 'dave');
		await first.append('#solo', groupMsg('solo', 'dave'));
		for (let i = 0; i < 4; i++) {
			await first.append(ad, dm('alice', 'dave'), {undeliveredTo: 'dave'});
			await first.append(ad, dm('dave', 'alice', `for alice ${i}`), {undeliveredTo: 'alice'});
		}

		await first.append(ab, dm('bob', 'alice', 'from bob'), {undeliveredTo: 'alice'});
		await first.markRead('dave', ad, 5);
		await first.markRead('dave', '#g', 0);
		await first.markRead('alice', ad, 8);
		await first.forgetUser('dave');
		await first.close();

		const check = async (store: SqliteStore) => {
			expect(await store.groupsOf('dave')).toEqual([]);
			expect(await store.members('solo')).toBeUndefined();
			expect(await store.members('g')).toEqual(new Set(['alice']));
			expect(await store.lastSeq('#solo')).toBe(1);
			expect(await store.history(ad, {limit: 100})).toEqual({messages: [], more: false});
			expect(await store.lastSeq(ad)).toBe(8);
			expect(await store.dmPartners('alice', 10)).toEqual([{partner: 'bob', conversation: ab, lastSeq: 1}]);
			expect(await store.dmPartners('dave', 10)).toEqual([]);
			expect(await store.readMarkers('dave')).toEqual(new Map());
			expect(await store.readMarkers('alice')).toEqual(new Map([[ad, 8]]));
			expect(await store.undelivered('dave')).toEqual([]);
			expect((await store.undelivered('alice')).map(message => message.text)).toEqual(['from bob']);
		};

		const second = await SqliteStore.open({file, indexEvery});
		await check(second);
		await second.prune();
		await second.close();
		// Retention (on open, on prune(), every 10 minutes) deletes the rows, as for a removed group.
		expect(countRows(file, 'SELECT count(*) FROM log')).toBe(1);
		expect(countRows(file, 'SELECT count(*) FROM runs WHERE cid IN (SELECT cid FROM conversations WHERE name IN (\'#solo\', \'@alice,dave\'))')).toBe(0);
		expect(countRows(file, 'SELECT count(*) FROM undelivered')).toBe(1);
		expect(countRows(file, 'SELECT count(*) FROM read_markers WHERE user = \'dave\'')).toBe(0);

		const third = await openKept({file, indexEvery});
		await check(third);
		const next = await third.append(ad, dm('alice', 'dave', 'hello new dave'));
		expect(next.ok && next.message.seq).toBe(9);
		await third.close();
		const fourth = await openKept({file, indexEvery});
		expect(await fourth.dmPartners('alice', 10)).toEqual([{partner: 'dave', conversation: ad, lastSeq: 9}, {partner: 'bob', conversation: ab, lastSeq: 1}]);
		expect(await fourth.history(ad, {limit: 100})).toEqual({messages: [next.ok && next.message], more: false});
	});

	it('keeps a forgetUser that resolved when the process is killed with SIGKILL', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const {child, exited, line} = await startFixture([forgetFixture, file, '4'], 'forgetting');
		expect(line).toBe('forgot dave');
		child.kill('SIGKILL');
		await exited;

		const ad = dmConversationId('alice', 'dave');
		const store = await openKept({file});
		expect(await store.groupsOf('dave')).toEqual([]);
		expect(await store.members('solo')).toBeUndefined();
		expect(await store.members('g')).toEqual(new Set(['alice']));
		expect(await store.history(ad, {limit: 100})).toEqual({messages: [], more: false});
		expect(await store.lastSeq(ad)).toBe(10);
		expect(await store.dmPartners('alice', 10)).toEqual([]);
		expect(await store.readMarkers('dave')).toEqual(new Map());
		expect(await store.undelivered('dave')).toEqual([]);
		expect(await store.undelivered('alice')).toEqual([]);
		const next = await store.append(ad, dm('alice', 'dave'));
		expect(next.ok && next.message.seq).toBe(11);
	});

	it('rejects a forgetUser whose commit fails, and memory keeps what the disk holds', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const ad = dmConversationId('alice', 'dave');
		const store = await openKept({file, pragmas: ['max_page_count = 40']});
		await store.createGroup('solo', 'dave');
		await store.append(ad, dm('alice', 'dave', 'kept'), {undeliveredTo: 'dave'});
		await store.markRead('dave', ad, 1);
		// The same turn overflows the database: the whole transaction fails, forgetUser with it.
		const big = 'x'.repeat(3000);
		const appends = Array.from({length: 80}, async () => store.append('#other', groupMsg('other', 'alice', big)).catch((error: unknown) => error));
		const forgotten = store.forgetUser('dave');
		await expect(forgotten).rejects.toBeInstanceOf(StoreUnavailableError);
		await Promise.all(appends);
		expect(store.stats().failedCommits).toBeGreaterThan(0);
		expect(await store.groupsOf('dave')).toEqual(['solo']);
		expect((await store.history(ad, {limit: 10})).messages.map(message => message.text)).toEqual(['kept']);
		expect(await store.dmPartners('alice', 10)).toEqual([{partner: 'dave', conversation: ad, lastSeq: 1}]);
		expect(await store.readMarkers('dave')).toEqual(new Map([[ad, 1]]));
		expect((await store.undelivered('dave')).map(message => message.text)).toEqual(['kept']);
		// Alone, it fits.
		await store.forgetUser('dave');
		expect(await store.groupsOf('dave')).toEqual([]);
		expect(await store.history(ad, {limit: 10})).toEqual({messages: [], more: false});
		expect(await store.undelivered('dave')).toEqual([]);
	});

	it('opens a store of schema version 1 (before forgetUser) and migrates it', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const first = await SqliteStore.open({file});
		await first.append(ab, dm('alice', 'bob', 'old'));
		await first.close();
		const db = new Database(file);
		db.exec('ALTER TABLE conversations DROP COLUMN unlisted_through; ALTER TABLE log DROP COLUMN action; ALTER TABLE undelivered DROP COLUMN action');
		db.pragma('user_version = 1');
		db.close();
		const second = await openKept({file});
		expect(await second.dmPartners('alice', 10)).toEqual([{partner: 'bob', conversation: ab, lastSeq: 1}]);
		await second.forgetUser('bob');
		expect(await second.dmPartners('alice', 10)).toEqual([]);
		expect(await second.lastSeq(ab)).toBe(1);
	});

	it('opens a store of schema version 2 (conversation names indexed UNIQUE) and migrates it', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const first = await SqliteStore.open({file});
		await first.append(ab, dm('alice', 'bob', 'old'));
		await first.append(ab, dm('bob', 'alice', 'older'));
		await first.close();
		const db = new Database(file);
		db.exec(`CREATE TABLE v2(cid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, floor INTEGER NOT NULL DEFAULT 0, last_id INTEGER NOT NULL DEFAULT 0,
			unlisted_through INTEGER NOT NULL DEFAULT 0);
			INSERT INTO v2 SELECT cid, name, floor, last_id, unlisted_through FROM conversations;
			DROP TABLE conversations;
			ALTER TABLE v2 RENAME TO conversations;
			ALTER TABLE log DROP COLUMN action;
			ALTER TABLE undelivered DROP COLUMN action;`);
		db.pragma('user_version = 2');
		expect(db.prepare('SELECT count(*) FROM sqlite_schema WHERE type = \'index\' AND tbl_name = \'conversations\'').pluck().get()).toBe(1);
		db.close();
		const second = await openKept({file});
		expect((await second.history(ab, {limit: 10})).messages.map(message => message.text)).toEqual(['old', 'older']);
		expect(await second.dmPartners('alice', 10)).toEqual([{partner: 'bob', conversation: ab, lastSeq: 2}]);
		const ac = dmConversationId('alice', 'carol');
		await second.append(ac, dm('alice', 'carol', 'new'));
		await second.append(ab, dm('alice', 'bob', 'newer'));
		await second.close();
		const migrated = new Database(file, {readonly: true});
		expect(migrated.pragma('user_version', {simple: true})).toBe(4);
		expect(migrated.prepare('SELECT count(*) FROM sqlite_schema WHERE type = \'index\' AND tbl_name = \'conversations\'').pluck().get()).toBe(0);
		expect(migrated.prepare('SELECT name FROM conversations ORDER BY cid').pluck().all()).toEqual([ab, ac]);
		migrated.close();
		const third = await openKept({file});
		expect((await third.history(ab, {limit: 10})).messages.map(message => message.text)).toEqual(['old', 'older', 'newer']);
		expect(await third.lastSeq(ac)).toBe(1);
	});

	it('keeps /me actions across a restart (history, the unindexed tail, undelivered) and migrates a schema-3 store', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const first = await SqliteStore.open({file});
		await first.append(ab, dm('alice', 'bob', 'plain'));
		await first.close();
		const db = new Database(file);
		db.exec('ALTER TABLE log DROP COLUMN action; ALTER TABLE undelivered DROP COLUMN action');
		db.pragma('user_version = 3');
		db.close();
		const second = await openKept({file, indexEvery: 1});
		await second.append(ab, {...dm('alice', 'bob', 'waves'), action: true}, {undeliveredTo: 'bob', mailboxCap: 10});
		await second.append(ab, dm('bob', 'alice', 'hi'));
		await second.close();
		open.length = 0;
		const third = await openKept({file, indexEvery: 1});
		const shown = (await third.history(ab, {limit: 10})).messages.map(message => [message.text, message.action ?? false]);
		expect(shown).toEqual([['plain', false], ['waves', true], ['hi', false]]);
		expect((await third.undelivered('bob')).map(message => [message.text, message.action ?? false])).toEqual([['waves', true]]);
	});

	it.each(['thread', 'inline'] as const)('rejects writes that cannot be committed, forgets them, and goes on serving (%s writer)', async writer => {
		const file = path.join(tempDir(), 'natter.db');
		// A database that may not grow past 40 pages: a full disk.
		const store = await SqliteStore.open({file, writer, pragmas: ['max_page_count = 40']});
		await store.createGroup('g', 'alice');
		const big = 'x'.repeat(3000);
		type Outcome = {readonly message?: ChatMessage; readonly error?: unknown};
		const outcome = async (result: Promise<AppendResult>): Promise<Outcome> => result.then(
			value => (value.ok ? {message: value.message} : {error: value}),
			(error: unknown) => ({error}),
		);
		const appends: Array<Promise<Outcome>> = [];
		const groups: Array<Promise<boolean>> = [];
		for (let turn = 0; turn < 40; turn++) {
			appends.push(outcome(store.append('#g', groupMsg('g', 'alice', big))), outcome(store.append('#g', groupMsg('g', 'alice', big))));
			groups.push(store.createGroup(`h${turn}`, 'bob').catch(() => false));
			// The first turns wait for their commit; the rest are in flight together, none waiting for the one before.
			await (turn < 3 ? appends.at(-1) : nextTurn());
		}

		const outcomes = await Promise.all(appends);
		const created = await Promise.all(groups);
		const kept = outcomes.flatMap(({message}) => (message === undefined ? [] : [message]));
		const failures = outcomes.flatMap(({error}) => (error === undefined ? [] : [error]));
		expect(kept.length).toBeGreaterThanOrEqual(6);
		expect(failures.length).toBeGreaterThan(0);
		expect(failures[0]).toBeInstanceOf(StoreUnavailableError);
		expect(String(failures[0])).toMatch(/could not write to the message store .*full/);
		expect(store.stats().failedCommits).toBeGreaterThan(0);
		// Memory holds exactly what was committed: the resolved writes, numbered without holes.
		const check = async (chat: SqliteStore) => {
			expect(created.map(Boolean)).toEqual(await Promise.all(created.map(async (_, turn) => (await chat.members(`h${turn}`)) !== undefined)));
			expect(await chat.lastSeq('#g')).toBe(kept.length);
			const history = await chat.history('#g', {limit: 1000});
			expect(history.messages.map(message => message.msgid)).toEqual(kept.map(message => message.msgid));
			expect(history.messages.map(message => message.seq)).toEqual(kept.map((_, i) => i + 1));
		};

		await check(store);
		expect(created).toContain(false);
		// Small writes still fit.
		expect(await store.markRead('alice', '#g', 1)).toBe(1);
		await store.close();
		const reopened = await openKept({file});
		await check(reopened);
	});

	it('settles a turn of more appends than one batch holds in order, and keeps them all', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const store = await SqliteStore.open({file});
		await store.createGroup('g', 'alice');
		const settled: number[] = [];
		const turn = Array.from({length: 1000}, async (_, i) => store.append('#g', groupMsg('g', 'alice', `m${i + 1}`)).then(result => {
			settled.push(result.ok ? result.message.seq : -1);
		}));
		await Promise.all(turn);
		expect(settled).toEqual(Array.from({length: 1000}, (_, i) => i + 1));
		await store.close();

		const reopened = await openKept({file});
		const page = await reopened.history('#g', {limit: 1000});
		expect(page.messages.map(message => message.text)).toEqual(Array.from({length: 1000}, (_, i) => `m${i + 1}`));
	});

	it('keeps hundreds of DM pairs opened in one turn, and their index, across close and reopen', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const store = await SqliteStore.open({file});
		const peers = Array.from({length: 300}, (_, i) => `peer${i}`);
		// One turn: 300 new conversations (several multi-row INSERTs of conversations), then a second message to each.
		await Promise.all(peers.map(async peer => store.append(dmConversationId('alice', peer), dm('alice', peer, `first to ${peer}`))));
		await Promise.all(peers.map(async peer => store.append(dmConversationId('alice', peer), dm(peer, 'alice', `reply from ${peer}`))));
		// Closing indexes all 300 conversations (several multi-row INSERTs of runs); reopening reads them through it.
		await store.close();

		const reopened = await openKept({file, indexEvery: 7});
		expect((await reopened.dmPartners('alice', 1000)).map(partner => partner.partner).sort()).toEqual([...peers].sort());
		for (const peer of [peers[0]!, peers[63]!, peers[64]!, peers[299]!]) {
			const page = await reopened.history(dmConversationId('alice', peer), {limit: 10});
			expect(page.messages.map(message => `${message.seq} ${message.text}`)).toEqual([`1 first to ${peer}`, `2 reply from ${peer}`]);
		}

		const next = await reopened.append(dmConversationId('alice', 'peer150'), dm('alice', 'peer150', 'again'));
		expect(next.ok && next.message.seq).toBe(3);
	});

	it('counts its commits', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const store = await openKept({file});
		await fill(store, 100);
		const stats = store.stats();
		expect(stats).toMatchObject({file, commits: 2, rowsWritten: 101, failedCommits: 0, unindexedMessages: 100});
		expect(stats.longestCommitMs).toBeGreaterThan(0);
		expect(stats.lastCommitMs).toBeGreaterThan(0);
	});
});

describe('openStore', () => {
	it('gives a memory store for :memory: and a SQLite store for a path', async () => {
		const memory = await openStore({data: ':memory:'});
		expect(memory.stats().file).toBe(':memory:');
		await memory.close();
		const file = path.join(tempDir(), 'natter.db');
		const sqlite = await openStore({data: file, historyMax: 5});
		await sqlite.append(ab, dm('alice', 'bob'));
		expect(sqlite.stats()).toMatchObject({file, commits: 1});
		await sqlite.close();
		expect(statSync(file).isFile()).toBe(true);
	});
});
