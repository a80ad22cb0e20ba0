import type Database from 'better-sqlite3';
import {MultiRowInsert} from './multi-row-insert.js';

/** A run holds at most this many seqs (a 16 KiB blob), so a page read never loads a huge one. */
const maxRunLength = 4096;
const maxDelta = 0xFF_FF_FF_FF;

export type RunRow = {readonly first_seq: number; readonly first_id: number; readonly ids: Buffer};

export function runLength(run: RunRow): number {
	return run.ids.length >>> 2;
}

export function runId(run: RunRow, index: number): number {
	return run.first_id + run.ids.readUInt32LE(index * 4);
}

/** A run's tail from `index` on, re-based (what is left of a run when retention cuts into it). */
export function runFrom(run: RunRow, index: number): RunRow {
	const length = runLength(run) - index;
	const base = run.ids.readUInt32LE(index * 4);
	const ids = Buffer.allocUnsafe(length * 4);
	for (let i = 0; i < length; i++) {
		ids.writeUInt32LE(run.ids.readUInt32LE((index + i) * 4) - base, i * 4);
	}

	return {first_seq: run.first_seq + index, first_id: run.first_id + base, ids};
}

/** Splits consecutive seqs starting at `firstSeq`, with these log ids, into runs. */
export function toRuns(firstSeq: number, ids: readonly number[]): RunRow[] {
	const runs: RunRow[] = [];
	let start = 0;
	while (start < ids.length) {
		const firstId = ids[start]!;
		let end = start + 1;
		while (end < ids.length && end - start < maxRunLength && ids[end]! - firstId <= maxDelta) {
			end++;
		}

		const blob = Buffer.allocUnsafe((end - start) * 4);
		for (let i = start; i < end; i++) {
			blob.writeUInt32LE(ids[i]! - firstId, (i - start) * 4);
		}

		runs.push({first_seq: firstSeq + start, first_id: firstId, ids: blob});
		start = end;
	}

	return runs;
}

/** The statements that read and write runs. */
export class RunTable {
	readonly #insert: Database.Statement<[number, number, number, Buffer]>;
	readonly #delete: Database.Statement<[number, number]>;
	readonly #covering: Database.Statement<[number, number, number, number], RunRow>;
	readonly #below: Database.Statement<[number, number, number], RunRow>;
	readonly #last: Database.Statement<[number], RunRow>;
	/** Indexing writes many runs at once (most index entries are one run each). */
	readonly #insertMany: MultiRowInsert;

	constructor(db: Database.Database) {
		this.#insertMany = new MultiRowInsert(db, 'INSERT OR REPLACE INTO runs(cid, first_seq, first_id, ids)', 4);
		this.#insert = db.prepare('INSERT OR REPLACE INTO runs(cid, first_seq, first_id, ids) VALUES (?, ?, ?, ?)');
		this.#delete = db.prepare('DELETE FROM runs WHERE cid = ? AND first_seq = ?');
		// The run holding `from` starts at the greatest first_seq <= from; then every run up to `to`.
		this.#covering = db.prepare(`SELECT first_seq, first_id, ids FROM runs WHERE cid = ? AND first_seq <= ? AND first_seq >= coalesce(
			(SELECT first_seq FROM runs WHERE cid = ? AND first_seq <= ? ORDER BY first_seq DESC LIMIT 1), 0) ORDER BY first_seq`);
		this.#below = db.prepare('SELECT first_seq, first_id, ids FROM runs WHERE cid = ? AND first_seq <= ? ORDER BY first_seq LIMIT ?');
		this.#last = db.prepare('SELECT first_seq, first_id, ids FROM runs WHERE cid = ? ORDER BY first_seq DESC LIMIT 1');
	}

	insert(cid: number, run: RunRow): void {
		this.#insert.run(cid, run.first_seq, run.first_id, run.ids);
	}

	/** Inserts (or replaces) runs given as `cid, first_seq, first_id, ids` four values each. */
	insertAll(values: ReadonlyArray<number | Buffer>): void {
		this.#insertMany.run(values);
	}

	delete(cid: number, firstSeq: number): void {
		this.#delete.run(cid, firstSeq);
	}

	/** The log ids of seqs from..to of a conversation, in seq order (seqs with no run are skipped). */
	ids(cid: number, from: number, to: number): number[] {
		const ids: number[] = [];
		for (const run of this.#covering.all(cid, to, cid, from)) {
			const last = Math.min(to, run.first_seq + runLength(run) - 1);
			for (let seq = Math.max(from, run.first_seq); seq <= last; seq++) {
				ids.push(runId(run, seq - run.first_seq));
			}
		}

		return ids;
	}

	/** The oldest runs starting at or below `seq`. */
	below(cid: number, seq: number, limit: number): RunRow[] {
		return this.#below.all(cid, seq, limit);
	}

	last(cid: number): RunRow | undefined {
		return this.#last.get(cid);
	}
}
