/**
Raw SQLite insert rates of two message schemas, without the store around them: a table indexed by
(conversation, seq) written row by row, against the store's append-only log plus runs written
from memory every `indexEvery` rows (server/store/sqlite/schema.ts). One row per conversation in
turn over `conversations`, `perTurn` rows per transaction, WAL, synchronous=NORMAL.
Run: node --import tsx bench/store/schema-bench.ts [rows] [conversations] [perTurn] [indexEvery]
*/
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {toRuns} from '../../server/store/sqlite/runs.js';

const rows = Number(process.argv[2] ?? 600_000);
const conversations = Number(process.argv[3] ?? 1000);
const perTurn = Number(process.argv[4] ?? 500);
const indexEvery = Number(process.argv[5] ?? 50_000);
const text = 'x'.repeat(64);
const ts = new Date().toISOString();
const rowsPerInsert = 64;

function open(file: string, schema: string): Database.Database {
	const db = new Database(file);
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = NORMAL');
	db.exec(schema);
	return db;
}

function indexed(file: string): number {
	const db = open(file, `CREATE TABLE messages(cid INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, msgid TEXT NOT NULL,
		ts TEXT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY(cid, seq)) WITHOUT ROWID`);
	const insert = db.prepare<unknown[]>('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)');
	const seqs = new Array<number>(conversations).fill(0);
	const started = performance.now();
	for (let id = 1; id <= rows;) {
		db.exec('BEGIN');
		for (let i = 0; i < perTurn && id <= rows; i++, id++) {
			const cid = id % conversations;
			insert.run(cid, ++seqs[cid]!, Date.now(), `01JD${String(id).padStart(22, '0')}`, ts, `user${cid}`, text);
		}

		db.exec('COMMIT');
	}

	db.close();
	return rows / ((performance.now() - started) / 1000);
}

function logAndRuns(file: string): {rate: number; indexMs: number; longestIndexMs: number} {
	const db = open(file, `CREATE TABLE log(id INTEGER PRIMARY KEY, cid INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
		msgid TEXT NOT NULL, ts TEXT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL);
		CREATE TABLE runs(cid INTEGER NOT NULL, first_seq INTEGER NOT NULL, first_id INTEGER NOT NULL, ids BLOB NOT NULL, PRIMARY KEY(cid, first_seq)) WITHOUT ROWID`);
	const many = db.prepare<unknown[]>(`INSERT INTO log VALUES ${Array.from({length: rowsPerInsert}, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`);
	const one = db.prepare<unknown[]>('INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
	const insertRun = db.prepare<[number, number, number, Buffer]>('INSERT INTO runs VALUES (?, ?, ?, ?)');
	const seqs = new Array<number>(conversations).fill(0);
	let tails = new Map<number, {firstSeq: number; ids: number[]}>();
	let pending = 0;
	let indexMs = 0;
	let longestIndexMs = 0;
	const started = performance.now();
	for (let id = 1; id <= rows;) {
		const values: Array<number | string> = [];
		for (let i = 0; i < perTurn && id <= rows; i++, id++) {
			const cid = id % conversations;
			const seq = ++seqs[cid]!;
			values.push(id, cid, seq, Date.now(), `01JD${String(id).padStart(22, '0')}`, ts, `user${cid}`, text);
			const tail = tails.get(cid) ?? {firstSeq: seq, ids: []};
			tail.ids.push(id);
			tails.set(cid, tail);
		}

		db.exec('BEGIN');
		let start = 0;
		for (; start + (rowsPerInsert * 8) <= values.length; start += rowsPerInsert * 8) {
			many.run(values.slice(start, start + (rowsPerInsert * 8)));
		}

		for (; start < values.length; start += 8) {
			one.run(values.slice(start, start + 8));
		}

		db.exec('COMMIT');
		pending += values.length / 8;
		if (pending >= indexEvery || id > rows) {
			const indexStarted = performance.now();
			db.exec('BEGIN');
			for (const [cid, tail] of tails) {
				for (const run of toRuns(tail.firstSeq, tail.ids)) {
					insertRun.run(cid, run.first_seq, run.first_id, run.ids);
				}
			}

			db.exec('COMMIT');
			const elapsed = performance.now() - indexStarted;
			indexMs += elapsed;
			longestIndexMs = Math.max(longestIndexMs, elapsed);
			tails = new Map();
			pending = 0;
		}
	}

	db.close();
	return {rate: rows / ((performance.now() - started) / 1000), indexMs, longestIndexMs};
}

const directory = mkdtempSync(path.join(tmpdir(), 'natter-schema-bench-'));
try {
	const format = (rate: number) => Math.round(rate).toLocaleString('en');
	console.log(`${rows} rows, ${conversations} conversations, ${perTurn} rows per transaction`);
	console.log(`  (conversation, seq) primary key, row by row: ${format(indexed(path.join(directory, 'indexed.db')))} rows/s`);
	const log = logAndRuns(path.join(directory, 'log.db'));
	console.log(`  log + runs every ${indexEvery} rows: ${format(log.rate)} rows/s (runs: ${log.indexMs.toFixed(0)} ms in all, longest ${log.longestIndexMs.toFixed(1)} ms)`);
} finally {
	rmSync(directory, {recursive: true, force: true});
}
