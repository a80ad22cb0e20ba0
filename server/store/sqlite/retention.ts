import type Database from 'better-sqlite3';
import type {Conversation} from '../state.js';
import {runFrom, runId, runLength, type RunTable} from './runs.js';
import {inTransaction} from './writer.js';

/** Log rows one retention step deletes at most (about), so the event loop never waits long. */
const rowsPerStep = 5000;

type OldRow = {id: number; cid: number; seq: number; at: number};

/**
Deletes what retention (or a removed group) put below a conversation's floor, one bounded
transaction per step. Memory (floors) changes only after a step commits.
*/
export class Retention {
	readonly #db: Database.Database;
	readonly #runs: RunTable;
	readonly #oldest: Database.Statement<[number, number, number], OldRow>;
	readonly #deleteRange: Database.Statement<[number, number]>;
	readonly #deleteLog: Database.Statement<[number]>;
	readonly #floor: Database.Statement<[number, number, number]>;

	constructor(db: Database.Database, runs: RunTable) {
		this.#db = db;
		this.#runs = runs;
		this.#oldest = db.prepare('SELECT id, cid, seq, at FROM log WHERE id > ? AND id < ? ORDER BY id LIMIT ?');
		this.#deleteRange = db.prepare('DELETE FROM log WHERE id > ? AND id <= ?');
		this.#deleteLog = db.prepare('DELETE FROM log WHERE id = ?');
		this.#floor = db.prepare('UPDATE conversations SET floor = max(floor, ?), last_id = max(last_id, ?) WHERE cid = ?');
	}

	/**
	Age: deletes the log's oldest rows (after `cursor`, indexed ones only: below `scanFrom`) older
	than `cutoff`, raising their conversations' floors. The log is in arrival order, so this stops at
	the first row young enough. Returns the new cursor, or undefined when done, and the rows deleted.
	*/
	ageStep(byCid: ReadonlyMap<number, Conversation>, cursor: number, scanFrom: number, cutoff: number): {next: number | undefined; deleted: number} {
		const rows = this.#oldest.all(cursor, scanFrom, rowsPerStep);
		let old = 0;
		while (old < rows.length && rows[old]!.at < cutoff) {
			old++;
		}

		if (old === 0) {
			return {next: undefined, deleted: 0};
		}

		const floors = new Map<number, number>();
		for (let i = 0; i < old; i++) {
			const {cid, seq} = rows[i]!;
			floors.set(cid, Math.max(floors.get(cid) ?? 0, seq));
		}

		const last = rows[old - 1]!.id;
		const deleted = inTransaction(this.#db, () => {
			for (const [cid, floor] of floors) {
				this.#floor.run(floor, byCid.get(cid)?.lastId ?? 0, cid);
			}

			return this.#deleteRange.run(cursor, last).changes;
		});
		for (const [cid, floor] of floors) {
			const conversation = byCid.get(cid);
			if (conversation !== undefined) {
				conversation.floor = Math.max(conversation.floor, floor);
			}
		}

		return {next: old < rows.length ? undefined : last, deleted};
	}

	/**
	Deletes a conversation's indexed messages up to `target` (runs and their log rows, cutting the
	run that straddles it) and raises its floor there. Returns whether runs are left to delete.
	*/
	floorStep(conversation: Conversation, target: number): {more: boolean; deleted: number} {
		const cid = conversation.key;
		const runs = this.#runs.below(cid, target, 64);
		let done = 0;
		const deleted = inTransaction(this.#db, () => {
			let count = 0;
			for (const run of runs) {
				if (count >= rowsPerStep) {
					break;
				}

				const length = runLength(run);
				const cut = Math.min(length, target - run.first_seq + 1);
				for (let i = 0; i < cut; i++) {
					count += this.#deleteLog.run(runId(run, i)).changes;
				}

				this.#runs.delete(cid, run.first_seq);
				if (cut < length) {
					this.#runs.insert(cid, runFrom(run, cut));
				}

				done++;
			}

			this.#floor.run(target, conversation.lastId, cid);
			return count;
		});
		conversation.floor = Math.max(conversation.floor, target);
		return {more: done < runs.length || runs.length === 64, deleted};
	}
}
