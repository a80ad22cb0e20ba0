import type {ChatMessage} from '../../../source/protocol/index.js';
import type {ConversationId} from '../../core/store.js';

/** Everything but messages that a turn writes, in call order. */
export type Op =
	| {readonly kind: 'conversation'; readonly cid: number; readonly name: ConversationId}
	| {readonly kind: 'member'; readonly group: string; readonly user: string; readonly add: boolean}
	/** A group's last member left: seqs up to `floor` are gone, and so are its unindexed log rows. */
	| {readonly kind: 'drop'; readonly cid: number; readonly floor: number; readonly lastId: number; readonly logIds: readonly number[]}
	| {readonly kind: 'marker'; readonly user: string; readonly conversation: ConversationId; readonly seq: number}
	| {readonly kind: 'undelivered'; readonly user: string; readonly message: ChatMessage}
	/** The log row `id` (written in the same batch) is a `/me` action. */
	| {readonly kind: 'action'; readonly id: number}
	| {readonly kind: 'delivered'; readonly user: string; readonly msgids: readonly string[]}
	/**
	A user forgotten (after the 'member' and 'drop' ops of their groups and DMs): their read markers
	and undelivered messages go, so do the partners' undelivered messages of the dropped DMs, which
	stay unlisted (`unlisted_through`) until a seq past `floor`.
	*/
	| {readonly kind: 'forget'; readonly user: string; readonly dms: readonly ForgottenDm[]};

export type ForgottenDm = {readonly cid: number; readonly name: ConversationId; readonly partner: string; readonly floor: number};

/** Log columns per message, in `log` column order: id, cid, seq, at, msgid, ts, sender, text. */
export const LOG_COLUMNS = 8;

/** A conversation's in-memory messages to index: consecutive seqs from `firstSeq`, with their log ids. */
export type IndexEntry = {readonly cid: number; readonly firstSeq: number; readonly ids: readonly number[]};

/** What the event loop's thread asks the writer thread to do; each job is one transaction (consecutive batches share one). */
export type JobBody =
	| {readonly kind: 'batch'; readonly log: ReadonlyArray<number | string>; readonly ops: readonly Op[]}
	/** Writes runs; `scanFrom` (when a catch-up cycle ends) is the new start of the log's unindexed tail. */
	| {readonly kind: 'index'; readonly entries: readonly IndexEntry[]; readonly scanFrom: number | undefined}
	/** Retention by age: deletes the oldest indexed log rows (id in (cursor, scanFrom)) older than `cutoff`. */
	| {readonly kind: 'age'; readonly cursor: number; readonly scanFrom: number; readonly cutoff: number}
	/** Deletes a conversation's indexed messages up to `target` and raises its floor there. */
	| {readonly kind: 'floor'; readonly cid: number; readonly target: number; readonly lastId: number};

export type JobResults = {
	/** `commit` numbers the writer's transactions: batches that shared one have the same. */
	batch: {readonly rows: number; readonly ms: number; readonly commit: number};
	index: {readonly rows: number; readonly ms: number};
	/** `next`: the cursor to go on from, undefined when no older rows are left. `floors`: [cid, floor]. */
	age: {readonly next: number | undefined; readonly deleted: number; readonly floors: ReadonlyArray<readonly [number, number]>};
	floor: {readonly more: boolean; readonly deleted: number};
};

export type Job = JobBody & {readonly id: number};

/** `resume`: the main thread has re-read the database after a failure; jobs may run again. */
export type Control = {readonly kind: 'resume'} | {readonly kind: 'close'};

export type Reply =
	| {readonly id: number; readonly ok: true; readonly result: JobResults[keyof JobResults]}
	| {readonly id: number; readonly ok: false; readonly error: string};

/** What the writer thread posts: replies in job order, or `ready` / `fatal` once. */
export type WorkerMessage =
	| {readonly kind: 'replies'; readonly replies: readonly Reply[]}
	| {readonly kind: 'ready'}
	| {readonly kind: 'fatal'; readonly error: string};

export type WriterSetup = {
	readonly file: string;
	readonly pragmas: readonly string[];
	/**
	One Int32: the id of the last job committed. The writer thread stores it after each transaction,
	before posting the replies, so the event loop's thread can release the writes waiting for that
	commit as soon as it looks, without waiting to read the reply message.
	*/
	readonly committed: SharedArrayBuffer;
};
