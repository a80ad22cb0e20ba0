import type Database from 'better-sqlite3';
import {ChatState, messageOf, type Conversation} from '../state.js';
import {runId, runLength, type RunTable} from './runs.js';

export type Loaded = {
	readonly state: ChatState;
	readonly byCid: Map<number, Conversation>;
	readonly nextCid: number;
	/** Log rows from this id on may not be indexed in `runs`: they were read into memory. */
	readonly scanFrom: number;
};

type ConversationRow = {cid: number; name: string; floor: number; last_id: number; unlisted_through: number};
type LogRow = {id: number; cid: number; seq: number; at: number; msgid: string; ts: string; sender: string; text: string; action: number};
type MessageRow = {user: string; conv: string; seq: number; msgid: string; ts: string; sender: string; text: string; action: number};

export function readScanFrom(db: Database.Database): number {
	return db.prepare<[], number>('SELECT value FROM meta WHERE key = \'scan_from\'').pluck().get() ?? 1;
}

/**
The whole cache from what is committed: on open, and after a failed commit (so memory never
claims what the disk does not hold). The log's unindexed tail comes back into memory, where the
next index catch-up writes its runs.
*/
export function loadState(db: Database.Database, runs: RunTable, historyMax: number): Loaded {
	const state = new ChatState(historyMax);
	const members = new Map<string, Set<string>>();
	for (const {grp, user} of db.prepare<[], {grp: string; user: string}>('SELECT grp, user FROM group_members').iterate()) {
		let set = members.get(grp);
		if (set === undefined) {
			set = new Set();
			members.set(grp, set);
		}

		set.add(user);
	}

	for (const [group, set] of members) {
		state.setMembers(group, set);
	}

	const byCid = new Map<number, Conversation>();
	let nextCid = 1;
	let maxId = db.prepare<[], number | null>('SELECT max(id) FROM log').pluck().get() ?? 0;
	const unlisted: Array<[Conversation, number]> = [];
	for (const row of db.prepare<[], ConversationRow>('SELECT cid, name, floor, last_id, unlisted_through FROM conversations').iterate()) {
		const conversation = state.conversation(row.name);
		conversation.key = row.cid;
		conversation.floor = row.floor;
		conversation.lastSeq = row.floor;
		conversation.lastId = row.last_id;
		byCid.set(row.cid, conversation);
		nextCid = Math.max(nextCid, row.cid + 1);
		if (row.unlisted_through > 0) {
			unlisted.push([conversation, row.unlisted_through]);
		}
	}

	for (const conversation of byCid.values()) {
		const run = runs.last(conversation.key);
		if (run !== undefined) {
			const length = runLength(run);
			conversation.lastSeq = Math.max(conversation.lastSeq, run.first_seq + length - 1);
			conversation.lastId = Math.max(conversation.lastId, runId(run, length - 1));
		}

		maxId = Math.max(maxId, conversation.lastId);
	}

	const scanFrom = readScanFrom(db);
	const tail = db.prepare<[number], LogRow>('SELECT id, cid, seq, at, msgid, ts, sender, text, action FROM log WHERE id >= ? ORDER BY id');
	for (const row of tail.iterate(scanFrom)) {
		const conversation = byCid.get(row.cid);
		// Already indexed (a run covers it), or below the floor (pruned, group gone): not for memory.
		if (conversation === undefined || row.seq <= conversation.lastSeq || row.seq <= conversation.floor) {
			continue;
		}

		conversation.messages.push(messageOf(conversation.name, row.seq, row.msgid, row.ts, row.sender, row.text, row.action === 1));
		conversation.ids.push(row.id);
		conversation.ats.push(row.at);
		conversation.lastSeq = row.seq;
		conversation.lastId = row.id;
	}

	// Dropped with a forgotten user and nothing appended since.
	for (const [conversation, through] of unlisted) {
		if (conversation.lastSeq <= through) {
			state.unlistDm(conversation);
		}
	}

	state.nextId = Math.max(maxId, scanFrom - 1) + 1;
	for (const {user, conv, seq} of db.prepare<[], {user: string; conv: string; seq: number}>('SELECT user, conv, seq FROM read_markers').iterate()) {
		state.setMarker(user, conv, seq);
	}

	for (const row of db.prepare<[], MessageRow>('SELECT user, conv, seq, msgid, ts, sender, text, action FROM undelivered ORDER BY id').iterate()) {
		let mailbox = state.mailboxes.get(row.user);
		if (mailbox === undefined) {
			mailbox = [];
			state.mailboxes.set(row.user, mailbox);
		}

		mailbox.push(messageOf(row.conv, row.seq, row.msgid, row.ts, row.sender, row.text, row.action === 1));
	}

	return {state, byCid, nextCid, scanFrom};
}
