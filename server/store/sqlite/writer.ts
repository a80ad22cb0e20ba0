import type Database from 'better-sqlite3';
import type {ChatMessage} from '../../../source/protocol/index.js';
import type {ConversationId} from '../../core/store.js';
import {conversationIdOf} from '../../core/store.js';
import type {RunRow, RunTable} from './runs.js';

/** Everything but messages that a turn writes, in call order. */
export type Op =
	| {readonly kind: 'conversation'; readonly cid: number; readonly name: ConversationId}
	| {readonly kind: 'member'; readonly group: string; readonly user: string; readonly add: boolean}
	/** A group's last member left: seqs up to `floor` are gone, and so are its unindexed log rows. */
	| {readonly kind: 'drop'; readonly cid: number; readonly floor: number; readonly lastId: number; readonly logIds: readonly number[]}
	| {readonly kind: 'marker'; readonly user: string; readonly conversation: ConversationId; readonly seq: number}
	| {readonly kind: 'undelivered'; readonly user: string; readonly message: ChatMessage}
	| {readonly kind: 'delivered'; readonly user: string; readonly msgids: readonly string[]};

/** Log columns per message, in `log` column order: id, cid, seq, at, msgid, ts, sender, text. */
export const LOG_COLUMNS = 8;
/** Messages per multi-row INSERT: one statement per 64 rows binds ~2× faster than one per row. */
const rowsPerInsert = 64;

/** The writes of one event-loop turn, committed together; every write's promise waits on `done`. */
export class Batch {
	/** LOG_COLUMNS values per message. */
	readonly log: Array<number | string> = [];
	readonly ops: Op[] = [];
	readonly done: Promise<void>;
	resolve!: () => void;
	reject!: (error: Error) => void;

	constructor() {
		this.done = new Promise<void>((resolve, reject) => {
			this.resolve = resolve;
			this.reject = reject;
		});
		// Each caller gets its own promise chained on this one; this one must not count as unhandled.
		this.done.catch(() => undefined);
	}
}

export type IndexEntry = {readonly cid: number; readonly runs: readonly RunRow[]};

/** Runs `work` in one transaction; rolls back (if SQLite has not already) and rethrows on failure. */
export function inTransaction<T>(db: Database.Database, work: () => T): T {
	db.exec('BEGIN');
	try {
		const result = work();
		db.exec('COMMIT');
		return result;
	} catch (error) {
		if (db.inTransaction) {
			db.exec('ROLLBACK');
		}

		throw error;
	}
}

export class Writer {
	readonly #db: Database.Database;
	readonly #runs: RunTable;
	readonly #inserts = new Map<number, Database.Statement<unknown[]>>();
	readonly #statements;

	constructor(db: Database.Database, runs: RunTable) {
		this.#db = db;
		this.#runs = runs;
		this.#statements = {
			conversation: db.prepare<[number, string]>('INSERT INTO conversations(cid, name) VALUES (?, ?)'),
			addMember: db.prepare<[string, string]>('INSERT OR IGNORE INTO group_members(grp, user) VALUES (?, ?)'),
			removeMember: db.prepare<[string, string]>('DELETE FROM group_members WHERE grp = ? AND user = ?'),
			floor: db.prepare<[number, number, number]>('UPDATE conversations SET floor = max(floor, ?), last_id = max(last_id, ?) WHERE cid = ?'),
			deleteLog: db.prepare<[number]>('DELETE FROM log WHERE id = ?'),
			marker: db.prepare<[string, string, number]>(
				'INSERT INTO read_markers(user, conv, seq) VALUES (?, ?, ?) ON CONFLICT(user, conv) DO UPDATE SET seq = max(seq, excluded.seq)',
			),
			undelivered: db.prepare<[string, string, number, string, string, string, string]>(
				'INSERT INTO undelivered(user, conv, seq, msgid, ts, sender, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
			),
			delivered: db.prepare<[string, string]>('DELETE FROM undelivered WHERE user = ? AND msgid = ?'),
			scanFrom: db.prepare<[number]>('INSERT INTO meta(key, value) VALUES (\'scan_from\', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
		};
	}

	/** Commits a turn's writes in one transaction; returns the rows changed. Throws (rolled back) on failure. */
	write(batch: Batch): number {
		return inTransaction(this.#db, () => this.#logRows(batch.log) + this.#ops(batch.ops));
	}

	/** Writes runs (and, at the end of a catch-up cycle, the new scan start) in one transaction. */
	index(entries: readonly IndexEntry[], scanFrom: number | undefined): number {
		return inTransaction(this.#db, () => {
			let rows = 0;
			for (const {cid, runs} of entries) {
				for (const run of runs) {
					this.#runs.insert(cid, run);
					rows++;
				}
			}

			if (scanFrom !== undefined) {
				this.#statements.scanFrom.run(scanFrom);
			}

			return rows;
		});
	}

	#insert(rows: number): Database.Statement<unknown[]> {
		let statement = this.#inserts.get(rows);
		if (statement === undefined) {
			const values = Array.from({length: rows}, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
			statement = this.#db.prepare(`INSERT INTO log(id, cid, seq, at, msgid, ts, sender, text) VALUES ${values}`);
			this.#inserts.set(rows, statement);
		}

		return statement;
	}

	#logRows(log: ReadonlyArray<number | string>): number {
		const chunk = rowsPerInsert * LOG_COLUMNS;
		let start = 0;
		for (; start + chunk <= log.length; start += chunk) {
			this.#insert(rowsPerInsert).run(log.slice(start, start + chunk));
		}

		if (start < log.length) {
			this.#insert((log.length - start) / LOG_COLUMNS).run(start === 0 ? log : log.slice(start));
		}

		return log.length / LOG_COLUMNS;
	}

	#ops(ops: readonly Op[]): number {
		const statements = this.#statements;
		let rows = 0;
		for (const op of ops) {
			switch (op.kind) {
				case 'conversation': {
					rows += statements.conversation.run(op.cid, op.name).changes;
					break;
				}

				case 'member': {
					rows += (op.add ? statements.addMember : statements.removeMember).run(op.group, op.user).changes;
					break;
				}

				case 'drop': {
					rows += statements.floor.run(op.floor, op.lastId, op.cid).changes;
					for (const id of op.logIds) {
						rows += statements.deleteLog.run(id).changes;
					}

					break;
				}

				case 'marker': {
					rows += statements.marker.run(op.user, op.conversation, op.seq).changes;
					break;
				}

				case 'undelivered': {
					const {message} = op;
					rows += statements.undelivered.run(op.user, conversationIdOf(message), message.seq, message.msgid, message.ts, message.from, message.text).changes;
					break;
				}

				case 'delivered': {
					for (const msgid of op.msgids) {
						rows += statements.delivered.run(op.user, msgid).changes;
					}

					break;
				}
			}
		}

		return rows;
	}
}
