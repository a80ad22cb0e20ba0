import type Database from 'better-sqlite3';
import {conversationIdOf} from '../../core/store.js';
import {type IndexEntry, LOG_COLUMNS, type Op} from './jobs.js';
import {MultiRowInsert} from './multi-row-insert.js';
import {type RunTable, toRuns} from './runs.js';

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

/** The SQL of a turn's writes and of index catch-up (run on the writer thread). */
export class Writer {
	readonly #runs: RunTable;
	readonly #logInsert: MultiRowInsert;
	readonly #conversationInsert: MultiRowInsert;
	readonly #statements;

	constructor(db: Database.Database, runs: RunTable) {
		this.#runs = runs;
		this.#logInsert = new MultiRowInsert(db, 'INSERT INTO log(id, cid, seq, at, msgid, ts, sender, text)', LOG_COLUMNS);
		this.#conversationInsert = new MultiRowInsert(db, 'INSERT INTO conversations(cid, name)', 2);
		this.#statements = {
			addMember: db.prepare<[string, string]>('INSERT OR IGNORE INTO group_members(grp, user) VALUES (?, ?)'),
			removeMember: db.prepare<[string, string]>('DELETE FROM group_members WHERE grp = ? AND user = ?'),
			floor: db.prepare<[number, number, number]>('UPDATE conversations SET floor = max(floor, ?), last_id = max(last_id, ?) WHERE cid = ?'),
			deleteLog: db.prepare<[number]>('DELETE FROM log WHERE id = ?'),
			marker: db.prepare<[string, string, number]>(
				'INSERT INTO read_markers(user, conv, seq) VALUES (?, ?, ?) ON CONFLICT(user, conv) DO UPDATE SET seq = max(seq, excluded.seq)',
			),
			undelivered: db.prepare<[string, string, number, string, string, string, string, number]>(
				'INSERT INTO undelivered(user, conv, seq, msgid, ts, sender, text, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
			),
			action: db.prepare<[number]>('UPDATE log SET action = 1 WHERE id = ?'),
			delivered: db.prepare<[string, string]>('DELETE FROM undelivered WHERE user = ? AND msgid = ?'),
			forgetMarkers: db.prepare<[string]>('DELETE FROM read_markers WHERE user = ?'),
			forgetUndelivered: db.prepare<[string]>('DELETE FROM undelivered WHERE user = ?'),
			forgetConversation: db.prepare<[string, string]>('DELETE FROM undelivered WHERE user = ? AND conv = ?'),
			unlist: db.prepare<[number, number]>('UPDATE conversations SET unlisted_through = max(unlisted_through, ?) WHERE cid = ?'),
			scanFrom: db.prepare<[number]>('INSERT INTO meta(key, value) VALUES (\'scan_from\', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
		};
	}

	/** Writes a turn's messages and other changes (inside the caller's transaction); returns the rows changed. */
	write(log: ReadonlyArray<number | string>, ops: readonly Op[]): number {
		return this.#logInsert.run(log) + this.#ops(ops);
	}

	/** Writes runs (and, at the end of a catch-up cycle, the new scan start); returns the runs written. */
	index(entries: readonly IndexEntry[], scanFrom: number | undefined): number {
		const values: Array<number | Buffer> = [];
		for (const {cid, firstSeq, ids} of entries) {
			for (const run of toRuns(firstSeq, ids)) {
				values.push(cid, run.first_seq, run.first_id, run.ids);
			}
		}

		this.#runs.insertAll(values);
		const rows = values.length / 4;

		if (scanFrom !== undefined) {
			this.#statements.scanFrom.run(scanFrom);
		}

		return rows;
	}

	#ops(ops: readonly Op[]): number {
		const statements = this.#statements;
		let rows = 0;
		// New conversations (one per new DM pair: most ops under load) go in multi-row INSERTs, in order.
		const conversations: Array<number | string> = [];
		for (const op of ops) {
			if (op.kind === 'conversation') {
				conversations.push(op.cid, op.name);
				continue;
			}

			rows += this.#conversationRows(conversations);
			switch (op.kind) {
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
					rows += statements.undelivered.run(op.user, conversationIdOf(message), message.seq, message.msgid, message.ts, message.from, message.text, message.action ? 1 : 0).changes;
					break;
				}

				case 'action': {
					rows += statements.action.run(op.id).changes;
					break;
				}

				case 'delivered': {
					for (const msgid of op.msgids) {
						rows += statements.delivered.run(op.user, msgid).changes;
					}

					break;
				}

				case 'forget': {
					rows += statements.forgetMarkers.run(op.user).changes;
					rows += statements.forgetUndelivered.run(op.user).changes;
					for (const dm of op.dms) {
						rows += statements.forgetConversation.run(dm.partner, dm.name).changes;
						rows += statements.unlist.run(dm.floor, dm.cid).changes;
					}

					break;
				}
			}
		}

		return rows + this.#conversationRows(conversations);
	}

	/** Inserts the `cid, name` pairs queued in `values`, and empties it. */
	#conversationRows(values: Array<number | string>): number {
		if (values.length === 0) {
			return 0;
		}

		const rows = this.#conversationInsert.run(values);
		values.length = 0;
		return rows;
	}
}
