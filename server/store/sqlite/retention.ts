import type Database from 'better-sqlite3';
import {runFrom, runId, runLength, type RunTable} from './runs.js';

/** Log rows one retention step deletes at most (about), so no transaction runs long. */
const rowsPerStep = 5000;
const runsPerStep = 64;

type OldRow = {id: number; cid: number; seq: number; at: number};

/** The SQL of retention, one bounded step per call (run on the writer thread, inside the caller's transaction). */
export class Retention {
	readonly #runs: RunTable;
	readonly #oldest: Database.Statement<[number, number, number], OldRow>;
	readonly #deleteRange: Database.Statement<[number, number]>;
	readonly #deleteLog: Database.Statement<[number]>;
	readonly #floor: Database.Statement<[number, number, number]>;

	constructor(db: Database.Database, runs: RunTable) {
		this.#runs = runs;
		this.#oldest = db.prepare('SELECT id, cid, seq, at FROM log WHERE id > ? AND id < ? ORDER BY id LIMIT ?');
		this.#deleteRange = db.prepare('DELETE FROM log WHERE id > ? AND id <= ?');
		this.#deleteLog = db.prepare('DELETE FROM log WHERE id = ?');
		this.#floor = db.prepare('UPDATE conversations SET floor = max(floor, ?), last_id = max(last_id, ?) WHERE cid = ?');
	}

	/**
	Age: deletes the log's oldest rows after `cursor` (indexed ones only: below `scanFrom`) that are
	older than `cutoff`, and raises their conversations' floors. The log is in arrival order, so this
	stops at the first row young enough.
	*/
	ageStep(cursor: number, scanFrom: number, cutoff: number): {next: number | undefined; deleted: number; floors: Array<[number, number]>} {
		const rows = this.#oldest.all(cursor, scanFrom, rowsPerStep);
		let old = 0;
		while (old < rows.length && rows[old]!.at < cutoff) {
			old++;
		}

		if (old === 0) {
			return {next: undefined, deleted: 0, floors: []};
		}

		const floors = new Map<number, {seq: number; id: number}>();
		for (let i = 0; i < old; i++) {
			const {cid, seq, id} = rows[i]!;
			const known = floors.get(cid);
			floors.set(cid, {seq: Math.max(known?.seq ?? 0, seq), id: Math.max(known?.id ?? 0, id)});
		}

		for (const [cid, {seq, id}] of floors) {
			this.#floor.run(seq, id, cid);
		}

		const last = rows[old - 1]!.id;
		const deleted = this.#deleteRange.run(cursor, last).changes;
		return {next: old < rows.length ? undefined : last, deleted, floors: [...floors].map(([cid, {seq}]) => [cid, seq])};
	}

	/** Deletes a conversation's indexed messages up to `target` (runs and log rows, cutting the run that straddles it) and raises its floor there. */
	floorStep(cid: number, target: number, lastId: number): {more: boolean; deleted: number} {
		const runs = this.#runs.below(cid, target, runsPerStep);
		let done = 0;
		let deleted = 0;
		for (const run of runs) {
			if (deleted >= rowsPerStep) {
				break;
			}

			const length = runLength(run);
			const cut = Math.min(length, target - run.first_seq + 1);
			for (let i = 0; i < cut; i++) {
				deleted += this.#deleteLog.run(runId(run, i)).changes;
			}

			this.#runs.delete(cid, run.first_seq);
			if (cut < length) {
				this.#runs.insert(cid, runFrom(run, cut));
			}

			done++;
		}

		this.#floor.run(target, lastId, cid);
		return {more: done < runs.length || runs.length === runsPerStep, deleted};
	}
}
