import {setImmediate as nextTurn} from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type {ChatMessage} from '../../source/protocol/index.js';
import type {
	AppendOptions, AppendResult, ChatStore, ConversationId, DmPartner, GroupRecord, HistoryPage, HistoryQuery, MembershipChange, MembershipRemoval,
	MessageDraft,
} from '../core/store.js';
import {StoreUnavailableError} from '../core/store.js';
import {
	type ChatState, type Conversation, DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX, messageOf, type RetentionOptions, type StoreStats,
} from './state.js';
import {LOG_COLUMNS, type ForgottenDm, type IndexEntry, type JobResults, type Op} from './sqlite/jobs.js';
import {loadState} from './sqlite/load.js';
import {RunTable} from './sqlite/runs.js';
import {openDatabase} from './sqlite/schema.js';
import {Batch, InlineWriter, type JobRunner, WriterClient, type WriterEvents} from './sqlite/writer-client.js';

export type SqliteStoreOptions = RetentionOptions & {
	/** The database file; created when missing (its directory must exist). */
	readonly file: string;
	/** Catch the history index up once this many messages wait in memory (default 50 000). */
	readonly indexEvery?: number;
	/** How often retention runs after the run on open (default 10 minutes). */
	readonly pruneEveryMs?: number;
	/**
	`thread` (default): a worker thread commits, so the event loop never waits for SQLite on the
	write path. `inline`: this thread commits (no thread, no copying; for one-core machines and comparisons).
	*/
	readonly writer?: 'thread' | 'inline';
	/** Extra `PRAGMA`s for both connections, e.g. `cache_size = -65536` (tests use `max_page_count` to fill the disk). */
	readonly pragmas?: readonly string[];
};

const dayMs = 86_400_000;
const defaultIndexEvery = 50_000;
/**
A batch this big goes to the writer at once, not at the end of the turn: under load one turn reads
thousands of messages, and the first would wait for the last before its commit even began.
*/
const flushEveryRows = 256;
const defaultPruneEveryMs = 10 * 60_000;
/** Conversations (about: runs) indexed per catch-up job, so no transaction runs long. */
const entriesPerIndexStep = 2048;
/** After this long without a write, the index catches up with what waits in memory. */
const idleMs = 1000;
/** Conversations the retention pass checks between two turns when they need no work. */
const checksPerTurn = 2000;

type MutableStats = {-readonly [K in keyof StoreStats]: StoreStats[K]};

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
The durable store: one SQLite file, written by one thread of this process.

Every write changes the in-memory state at once (so later reads see it) and joins the turn's
batch; on the next `setImmediate` (or once it holds 256 messages) the batch goes to the writer
thread (sqlite/writer-worker.ts), which commits it in one transaction (with any batches queued
behind it), and its promises settle with that commit: seen through shared memory on the next
append, or when the writer's reply is read, whichever comes first. So the event loop's thread
never waits for SQLite on the write path. A failed
commit rejects every write not yet committed with `StoreUnavailableError` and re-reads the state
from the database, so memory never claims what the disk does not hold.

Messages are appended to a log; the (conversation, seq) index ("runs") catches up in batches
while the newest messages are served from memory (see sqlite/schema.ts). Reads of older
messages use this thread's own connection.
*/
export class SqliteStore implements ChatStore {
	/** Opens (creating, checking and migrating) the file, starts the writer thread, indexes the log's tail and applies retention. */
	static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
		const {db, unlock} = openDatabase(options.file, options.pragmas);
		let store: SqliteStore | undefined;
		let client: JobRunner | undefined;
		try {
			store = new SqliteStore(db, unlock, options);
			const opened = store;
			const events: WriterEvents = {
				onFailure(error) {
					opened.#onWriteFailure(error);
				},
				onFatal(error) {
					opened.#failure = error;
					opened.#batch?.reject(error);
					opened.#batch = undefined;
				},
			};
			client = options.writer === 'inline'
				? new InlineWriter(db, options.file, events)
				: await WriterClient.start({file: options.file, pragmas: options.pragmas ?? []}, events);
			store.#client = client;
			await store.#indexAll();
			await store.#prunePass();
			if (store.#pruneError !== undefined) {
				throw store.#pruneError;
			}
		} catch (error) {
			await client?.close();
			db.close();
			unlock();
			throw new Error(`cannot open the message store ${options.file}: ${describe(error)}`, {cause: error});
		}

		const opened = store;
		store.#pruneTimer = setInterval(() => {
			void opened.#prunePass();
		}, options.pruneEveryMs ?? defaultPruneEveryMs).unref();
		return store;
	}

	readonly #db: Database.Database;
	readonly #unlock: () => void;
	readonly #file: string;
	readonly #runs: RunTable;
	readonly #logRows: Database.Statement<[string], {seq: number; msgid: string; ts: string; sender: string; text: string; action: number}>;
	readonly #historyMax: number;
	readonly #historyDays: number;
	readonly #indexEvery: number;
	readonly #now: () => number;
	readonly #stats: MutableStats;
	#client!: JobRunner;
	#state!: ChatState;
	#byCid!: Map<number, Conversation>;
	#nextCid = 1;
	#scanFrom = 1;
	/** Bumped when the state is re-read: continuations of older jobs leave the new state alone. */
	#generation = 0;
	/** Messages in memory whose runs are not written yet. */
	#unindexed = 0;
	/** An index catch-up in progress: the conversations left, and the log id it covers up to. */
	#cycle: {queue: ConversationId[]; through: number} | undefined;
	#indexRun: Promise<boolean> | undefined;
	#batch: Batch | undefined;
	/** Batches sent and not yet known committed, oldest first. */
	#inFlight: Batch[] = [];
	#lastCommit = 0;
	#failure: StoreUnavailableError | undefined;
	#closed = false;
	#closing: Promise<void> | undefined;
	#idleTimer: NodeJS.Timeout | undefined;
	#writesAtIdleArm = 0;
	#writes = 0;
	#pruneTimer: NodeJS.Timeout | undefined;
	#pruning: Promise<void> | undefined;
	#pruneError: Error | undefined;
	/** Per conversation, the seq up to which retention already deleted (this process). */
	readonly #deletedThrough = new Map<ConversationId, number>();

	private constructor(db: Database.Database, unlock: () => void, options: SqliteStoreOptions) {
		this.#db = db;
		this.#unlock = unlock;
		this.#file = options.file;
		this.#runs = new RunTable(db);
		this.#logRows = db.prepare('SELECT seq, msgid, ts, sender, text, action FROM log WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq');
		this.#historyMax = options.historyMax ?? DEFAULT_HISTORY_MAX;
		this.#historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
		this.#indexEvery = Math.max(1, options.indexEvery ?? defaultIndexEvery);
		this.#now = options.now ?? Date.now;
		this.#stats = {
			file: options.file, commits: 0, rowsWritten: 0, longestCommitMs: 0, lastCommitMs: 0, failedCommits: 0,
			unindexedMessages: 0, indexCommits: 0, longestIndexMs: 0, prunedMessages: 0,
		};
		this.#load();
	}

	async createGroup(group: string, creator: string): Promise<boolean> {
		this.#usable();
		if (!this.#state.createGroup(group, creator)) {
			return false;
		}

		return this.#write({kind: 'member', group, user: creator, add: true}, true);
	}

	async addMember(group: string, user: string): Promise<MembershipChange> {
		this.#usable();
		const result = this.#state.addMember(group, user);
		return result === 'added' ? this.#write({kind: 'member', group, user, add: true}, result) : result;
	}

	async removeMember(group: string, user: string): Promise<MembershipRemoval> {
		this.#usable();
		const {result, dropped} = this.#state.removeMember(group, user);
		if (result !== 'removed' && result !== 'removed_group') {
			return result;
		}

		const batch = this.#currentBatch();
		batch.ops.push({kind: 'member', group, user, add: false});
		this.#pushDrop(batch, dropped);
		await batch.done;
		return result;
	}

	async forgetUser(user: string): Promise<void> {
		this.#usable();
		const {groups, dms} = this.#state.forgetUser(user);
		const batch = this.#currentBatch();
		for (const {group, dropped} of groups) {
			batch.ops.push({kind: 'member', group, user, add: false});
			this.#pushDrop(batch, dropped);
		}

		const forgotten: ForgottenDm[] = [];
		for (const {partner, dropped} of dms) {
			this.#pushDrop(batch, dropped);
			if (dropped.key !== 0) {
				forgotten.push({cid: dropped.key, name: dropped.name, partner, floor: dropped.lastSeq});
			}
		}

		batch.ops.push({kind: 'forget', user, dms: forgotten});
		await batch.done;
	}

	async members(group: string): Promise<ReadonlySet<string> | undefined> {
		this.#usable();
		return this.#state.groups.get(group);
	}

	async groups(): Promise<readonly GroupRecord[]> {
		this.#usable();
		return this.#state.groupRecords();
	}

	async groupsOf(user: string): Promise<readonly string[]> {
		this.#usable();
		return this.#state.groupsOf(user);
	}

	append(conversation: ConversationId, draft: MessageDraft, options?: AppendOptions): Promise<AppendResult> {
		if (this.#closed || this.#failure !== undefined) {
			return this.#rejection();
		}

		this.#settleCommitted();
		const at = this.#now();
		const state = this.#state;
		const result = state.append(conversation, draft, options, at);
		if (!result.ok) {
			return Promise.resolve(result);
		}

		const batch = this.#currentBatch();
		const stored = state.conversations.get(conversation)!;
		if (stored.key === 0) {
			stored.key = this.#nextCid++;
			this.#byCid.set(stored.key, stored);
			batch.ops.push({kind: 'conversation', cid: stored.key, name: conversation});
		}

		const {message} = result;
		batch.log.push(stored.lastId, stored.key, message.seq, at, message.msgid, message.ts, message.from, message.text);
		if (message.action) {
			batch.ops.push({kind: 'action', id: stored.lastId});
		}

		if (options?.undeliveredTo !== undefined) {
			batch.ops.push({kind: 'undelivered', user: options.undeliveredTo, message});
		}

		this.#unindexed++;
		if (batch.log.length >= flushEveryRows * LOG_COLUMNS) {
			this.#flush();
		}

		return batch.done.then(() => result);
	}

	async history(conversation: ConversationId, query: HistoryQuery): Promise<HistoryPage> {
		this.#usable();
		const stored = this.#state.conversations.get(conversation);
		const {from, to, more} = this.#state.page(stored, query);
		if (stored === undefined || from > to) {
			return {messages: [], more};
		}

		const inMemory = this.#state.inMemory(stored, from, to);
		const firstInMemory = inMemory[0]?.seq ?? to + 1;
		if (from >= firstInMemory) {
			return {messages: inMemory, more};
		}

		return {messages: [...this.#fromDisk(stored, from, firstInMemory - 1), ...inMemory], more};
	}

	async lastSeq(conversation: ConversationId): Promise<number> {
		this.#usable();
		return this.#state.lastSeq(conversation);
	}

	async firstKeptSeq(conversation: ConversationId): Promise<number | undefined> {
		this.#usable();
		return this.#state.firstKeptSeq(conversation);
	}

	async dmPartners(user: string, limit: number): Promise<readonly DmPartner[]> {
		this.#usable();
		return this.#state.dmPartners(user, limit);
	}

	async markRead(user: string, conversation: ConversationId, seq: number): Promise<number> {
		this.#usable();
		const {value, changed} = this.#state.markRead(user, conversation, seq);
		return changed ? this.#write({kind: 'marker', user, conversation, seq: value}, value) : value;
	}

	async readMarkers(user: string): Promise<ReadonlyMap<ConversationId, number>> {
		this.#usable();
		return this.#state.readMarkers(user);
	}

	async undelivered(user: string): Promise<readonly ChatMessage[]> {
		this.#usable();
		return this.#state.undelivered(user);
	}

	async markDelivered(user: string, messages: readonly ChatMessage[]): Promise<void> {
		this.#usable();
		const msgids = this.#state.markDelivered(user, messages);
		if (msgids.length > 0) {
			await this.#write({kind: 'delivered', user, msgids}, undefined);
		}
	}

	async undeliveredCount(user: string): Promise<number> {
		this.#usable();
		return this.#state.undeliveredCount(user);
	}

	/** Applies retention now (it also runs on open and every `pruneEveryMs`); rejects if a step failed. */
	async prune(): Promise<void> {
		this.#usable();
		await this.#prunePass();
		const error = this.#pruneError;
		if (error !== undefined) {
			throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`retention failed on ${this.#file}: ${describe(error)}`);
		}
	}

	stats(): StoreStats {
		return {...this.#stats, unindexedMessages: this.#unindexed};
	}

	async close(): Promise<void> {
		this.#closing ??= this.#close();
		return this.#closing;
	}

	async #close(): Promise<void> {
		this.#closed = true;
		clearInterval(this.#pruneTimer);
		clearTimeout(this.#idleTimer);
		this.#flush();
		await this.#pruning;
		// Indexing now makes the next open quick; anything left is re-read from the log then.
		await this.#indexAll();
		// The writer's connection closes last, so its thread (not this one) does the final checkpoint.
		this.#db.close();
		await this.#client.close();
		this.#unlock();
	}

	#usable(): void {
		if (this.#closed) {
			throw new StoreUnavailableError(`the message store ${this.#file} is closed`);
		}

		if (this.#failure !== undefined) {
			throw this.#failure;
		}
	}

	async #rejection(): Promise<never> {
		this.#usable();
		throw new StoreUnavailableError(`the message store ${this.#file} is not usable`);
	}

	/** A conversation's messages dropped (its group removed, or a DM of a forgotten user): its floor rises to its last seq, its unindexed log rows go. */
	#pushDrop(batch: Batch, dropped: Conversation | undefined): void {
		if (dropped !== undefined && dropped.key !== 0) {
			batch.ops.push({kind: 'drop', cid: dropped.key, floor: dropped.lastSeq, lastId: dropped.lastId, logIds: dropped.ids});
			this.#unindexed -= dropped.ids.length;
		}
	}

	/** Queues one write and resolves with `value` once it is committed. */
	async #write<T>(op: Op, value: T): Promise<T> {
		const batch = this.#currentBatch();
		batch.ops.push(op);
		await batch.done;
		return value;
	}

	#currentBatch(): Batch {
		if (this.#batch === undefined) {
			this.#batch = new Batch();
			this.#writes++;
			setImmediate(() => {
				this.#flush();
				if (this.#cycle !== undefined || this.#unindexed >= this.#indexEvery) {
					void this.#index();
				}

				this.#armIdle();
			});
		}

		return this.#batch;
	}

	/** Sends the turn's batch to the writer thread. */
	#flush(): void {
		const batch = this.#batch;
		if (batch === undefined) {
			return;
		}

		this.#batch = undefined;
		const before = this.#client.lastJobId;
		const sent = this.#client.send({kind: 'batch', log: batch.log, ops: batch.ops});
		// A writer that is gone takes no job (its promise just rejects): such a batch never counts as committed.
		if (this.#client.lastJobId !== before) {
			batch.jobId = this.#client.lastJobId;
			this.#inFlight.push(batch);
		}

		sent.then(({rows, ms, commit}) => {
			const stats = this.#stats;
			stats.rowsWritten += rows;
			if (commit !== this.#lastCommit) {
				this.#lastCommit = commit;
				stats.commits++;
				stats.lastCommitMs = ms;
				stats.longestCommitMs = Math.max(stats.longestCommitMs, ms);
			}

			batch.resolve();
			this.#settleCommitted();
		}, (error: unknown) => {
			this.#inFlight = this.#inFlight.filter(waiting => waiting !== batch);
			batch.reject(error instanceof Error ? error : new StoreUnavailableError(String(error)));
		});
	}

	/**
	Resolves the sent batches the writer thread has committed, read from shared memory, without
	waiting for its reply: under load the reply is only read in a later event-loop turn, and every
	write held that long is copied by each scavenge meanwhile. Called on every append.
	*/
	#settleCommitted(): void {
		const inFlight = this.#inFlight;
		if (inFlight.length === 0) {
			return;
		}

		const through = this.#client.committedThrough();
		let count = 0;
		while (count < inFlight.length && ((through - inFlight[count]!.jobId) | 0) >= 0) {
			inFlight[count]!.resolve();
			count++;
		}

		if (count > 0) {
			inFlight.splice(0, count);
		}
	}

	/** A job failed (the writer client has rejected everything it had): drop the unsent batch too, re-read the database, go on. */
	#onWriteFailure(error: StoreUnavailableError): void {
		this.#stats.failedCommits++;
		this.#batch?.reject(error);
		this.#batch = undefined;
		try {
			this.#load();
		} catch (loadError) {
			this.#failure = new StoreUnavailableError(`the message store ${this.#file} failed and could not be re-read: ${describe(loadError)}`, {cause: loadError});
			return;
		}

		this.#client.resume();
	}

	#load(): void {
		const loaded = loadState(this.#db, this.#runs, this.#historyMax);
		this.#generation++;
		this.#state = loaded.state;
		this.#byCid = loaded.byCid;
		this.#nextCid = loaded.nextCid;
		this.#scanFrom = loaded.scanFrom;
		this.#cycle = undefined;
		this.#indexRun = undefined;
		this.#unindexed = 0;
		for (const conversation of this.#state.conversations.values()) {
			this.#unindexed += conversation.messages.length;
		}
	}

	/** Messages from..to (all indexed, so all committed) read through the runs. */
	#fromDisk(conversation: Conversation, from: number, to: number): ChatMessage[] {
		const ids = this.#runs.ids(conversation.key, from, to);
		if (ids.length === 0) {
			return [];
		}

		const rows = this.#logRows.all(JSON.stringify(ids));
		return rows.map(row => messageOf(conversation.name, row.seq, row.msgid, row.ts, row.sender, row.text, row.action === 1));
	}

	/** Starts an index catch-up step, or joins the one running. Resolves false when nothing was indexed. */
	async #index(): Promise<boolean> {
		if (this.#indexRun === undefined) {
			const run = this.#indexStep().finally(() => {
				if (this.#indexRun === run) {
					this.#indexRun = undefined;
				}
			});
			this.#indexRun = run;
		}

		return this.#indexRun;
	}

	/**
	Sends runs for some conversations' in-memory messages (a bounded number per job); when a cycle
	has gone through every conversation it started with, every log row up to its start is indexed,
	so the tail to re-read on open starts after it. Runs only with no batch unsent, so every message
	it indexes is in a job ahead of it; the messages leave memory once the job succeeds.
	*/
	async #indexStep(): Promise<boolean> {
		if (this.#batch !== undefined || this.#failure !== undefined) {
			return false;
		}

		const state = this.#state;
		if (this.#cycle === undefined) {
			const queue: ConversationId[] = [];
			for (const conversation of state.conversations.values()) {
				if (conversation.messages.length > 0) {
					queue.push(conversation.name);
				}
			}

			this.#cycle = {queue, through: state.nextId - 1};
		}

		const cycle = this.#cycle;
		const entries: IndexEntry[] = [];
		const indexed: Array<[Conversation, number]> = [];
		while (entries.length < entriesPerIndexStep && cycle.queue.length > 0) {
			const conversation = state.conversations.get(cycle.queue.pop()!);
			const first = conversation?.messages[0];
			if (conversation === undefined || first === undefined) {
				continue;
			}

			entries.push({cid: conversation.key, firstSeq: first.seq, ids: conversation.ids.slice()});
			indexed.push([conversation, conversation.lastSeq]);
		}

		const done = cycle.queue.length === 0;
		const generation = this.#generation;
		let result;
		try {
			result = await this.#client.send({kind: 'index', entries, scanFrom: done ? cycle.through + 1 : undefined});
		} catch {
			// Still in memory: the next catch-up (or the next open) indexes them.
			if (generation === this.#generation) {
				this.#cycle = undefined;
			}

			return false;
		}

		if (generation !== this.#generation) {
			return false;
		}

		this.#stats.indexCommits++;
		this.#stats.longestIndexMs = Math.max(this.#stats.longestIndexMs, result.ms);
		for (const [conversation, through] of indexed) {
			this.#unindexed -= state.dropThrough(conversation, through);
		}

		if (done) {
			this.#scanFrom = cycle.through + 1;
			this.#cycle = undefined;
		}

		return true;
	}

	/** Catches the index up with everything in memory (open, close, idle, before retention). */
	async #indexAll(): Promise<void> {
		for (let cycles = 0; (this.#unindexed > 0 || this.#cycle !== undefined) && this.#failure === undefined;) {
			if (this.#cycle === undefined && ++cycles > 2) {
				break; // New messages keep coming: the regular catch-up takes them.
			}

			this.#flush();
			if (!(await this.#index())) {
				break;
			}
		}
	}

	/** Catch up when writes stop for a while, so a quiet server does not keep its tail in memory. */
	#armIdle(): void {
		if (this.#idleTimer !== undefined || this.#closed || this.#unindexed === 0) {
			return;
		}

		this.#writesAtIdleArm = this.#writes;
		this.#idleTimer = setTimeout(() => {
			this.#idleTimer = undefined;
			if (this.#writes !== this.#writesAtIdleArm) {
				this.#armIdle();
				return;
			}

			void this.#indexAll().then(() => {
				this.#armIdle();
			});
		}, idleMs).unref();
	}

	#prunePass(): Promise<void> {
		this.#pruning ??= this.#prune().finally(() => {
			this.#pruning = undefined;
		});
		return this.#pruning;
	}

	#live(generation: number): boolean {
		return !this.#closed && this.#failure === undefined && generation === this.#generation;
	}

	/** One retention pass, one bounded job at a time; never rejects (the error is kept in #pruneError). */
	async #prune(): Promise<void> {
		this.#pruneError = undefined;
		try {
			// Retention deletes indexed rows only.
			await this.#indexAll();
			const generation = this.#generation;
			if (this.#historyDays > 0) {
				const cutoff = this.#now() - (this.#historyDays * dayMs);
				let cursor: number | undefined = 0;
				while (cursor !== undefined && this.#live(generation)) {
					const step: JobResults['age'] = await this.#client.send({kind: 'age', cursor, scanFrom: this.#scanFrom, cutoff});
					if (!this.#live(generation)) {
						return;
					}

					this.#stats.prunedMessages += step.deleted;
					for (const [cid, floor] of step.floors) {
						const conversation = this.#byCid.get(cid);
						if (conversation !== undefined) {
							conversation.floor = Math.max(conversation.floor, floor);
						}
					}

					cursor = step.next;
				}
			}

			let checks = 0;
			for (const name of [...this.#state.conversations.keys()]) {
				for (;;) {
					if (!this.#live(generation)) {
						return;
					}

					const conversation = this.#state.conversations.get(name);
					if (conversation === undefined || conversation.key === 0) {
						break;
					}

					// Only indexed messages are deleted here; newer ones wait for a later pass.
					const indexedThrough = (conversation.messages[0]?.seq ?? conversation.lastSeq + 1) - 1;
					const target = Math.min(this.#state.visibleFloor(conversation), indexedThrough);
					if (target <= (this.#deletedThrough.get(name) ?? 0)) {
						if (++checks % checksPerTurn === 0) {
							await nextTurn();
						}

						break;
					}

					const step: JobResults['floor'] = await this.#client.send({kind: 'floor', cid: conversation.key, target, lastId: conversation.lastId});
					if (!this.#live(generation)) {
						return;
					}

					conversation.floor = Math.max(conversation.floor, target);
					this.#stats.prunedMessages += step.deleted;
					if (!step.more) {
						this.#deletedThrough.set(name, target);
					}
				}
			}
		} catch (error) {
			this.#pruneError = error instanceof Error ? error : new Error(String(error));
		}
	}
}
