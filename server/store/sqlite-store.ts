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
import {Checkpointer} from './sqlite/checkpointer.js';
import {loadState} from './sqlite/load.js';
import {Retention} from './sqlite/retention.js';
import {RunTable, toRuns} from './sqlite/runs.js';
import {openDatabase} from './sqlite/schema.js';
import {Batch, type IndexEntry, Writer} from './sqlite/writer.js';

export type SqliteStoreOptions = RetentionOptions & {
	/** The database file; created when missing (its directory must exist). */
	readonly file: string;
	/** Catch the history index up once this many messages wait in memory (default 50 000). */
	readonly indexEvery?: number;
	/** How often retention runs after the run on open (default 10 minutes). */
	readonly pruneEveryMs?: number;
	/** How often a worker thread checkpoints the WAL (default 100 ms); 0: the writer does it, SQLite's default. */
	readonly checkpointEveryMs?: number;
	/** Extra `PRAGMA`s run after open, e.g. `cache_size = -65536` (tests use `max_page_count` to fill the disk). */
	readonly pragmas?: readonly string[];
};

const dayMs = 86_400_000;
const defaultIndexEvery = 50_000;
const defaultPruneEveryMs = 10 * 60_000;
const defaultCheckpointEveryMs = 100;
/** Runs written per index catch-up transaction, so one never blocks the loop for long. */
const runsPerIndexStep = 2048;
/** After this long without a commit, the index catches up with what waits in memory. */
const idleMs = 1000;
/** Conversations the retention pass checks between two turns when they need no work. */
const checksPerTurn = 2000;

type MutableStats = {-readonly [K in keyof StoreStats]: StoreStats[K]};

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
The durable store: one SQLite file, one writer. Every write changes the in-memory state at once
(so later reads see it) and joins the turn's batch, committed in one transaction on the next
`setImmediate`; its promise settles with that commit. A failed commit rejects the whole batch with
`StoreUnavailableError` and reloads the state from the database, so memory never claims what the
disk does not hold. Messages are appended to a log; the (conversation, seq) index catches up in
batches while the newest messages are served from memory (see sqlite/schema.ts).
*/
export class SqliteStore implements ChatStore {
	/** Opens (creating, checking and migrating) the file, re-indexes the log's tail and applies retention. */
	static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
		const {db, unlock} = openDatabase(options.file, options.pragmas);
		let store: SqliteStore;
		try {
			store = new SqliteStore(db, unlock, options);
			store.#indexAll();
			await store.#prunePass();
			if (store.#pruneError !== undefined) {
				throw store.#pruneError;
			}
		} catch (error) {
			db.close();
			unlock();
			throw new Error(`cannot open the message store ${options.file}: ${describe(error)}`, {cause: error});
		}

		store.#startCheckpointer(options.checkpointEveryMs ?? defaultCheckpointEveryMs);

		store.#pruneTimer = setInterval(() => {
			void store.#prunePass();
		}, options.pruneEveryMs ?? defaultPruneEveryMs).unref();
		return store;
	}

	readonly #db: Database.Database;
	readonly #unlock: () => void;
	readonly #file: string;
	readonly #runs: RunTable;
	readonly #writer: Writer;
	readonly #retention: Retention;
	readonly #historyMax: number;
	readonly #historyDays: number;
	readonly #indexEvery: number;
	readonly #now: () => number;
	readonly #stats: MutableStats;
	#state!: ChatState;
	#byCid!: Map<number, Conversation>;
	#nextCid = 1;
	#scanFrom = 1;
	/** Messages in memory whose runs are not written yet. */
	#unindexed = 0;
	/** An index catch-up in progress: the conversations left, and the log id it covers up to. */
	#cycle: {queue: ConversationId[]; through: number} | undefined;
	#batch: Batch | undefined;
	#failure: StoreUnavailableError | undefined;
	#closed = false;
	#closing: Promise<void> | undefined;
	#idleTimer: NodeJS.Timeout | undefined;
	#commitsAtIdleArm = 0;
	#pruneTimer: NodeJS.Timeout | undefined;
	#pruning: Promise<void> | undefined;
	#pruneError: Error | undefined;
	/** Per conversation, the seq up to which retention already deleted (this process). */
	readonly #deletedThrough = new Map<ConversationId, number>();

	#checkpointer: Checkpointer | undefined;

	private constructor(db: Database.Database, unlock: () => void, options: SqliteStoreOptions) {
		this.#db = db;
		this.#unlock = unlock;
		this.#file = options.file;
		this.#runs = new RunTable(db);
		this.#writer = new Writer(db, this.#runs);
		this.#retention = new Retention(db, this.#runs);
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
		if (dropped !== undefined && dropped.key !== 0) {
			batch.ops.push({kind: 'drop', cid: dropped.key, floor: dropped.lastSeq, lastId: dropped.lastId, logIds: dropped.ids});
			this.#unindexed -= dropped.ids.length;
		}

		return batch.done.then(() => result);
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
		if (options?.undeliveredTo !== undefined) {
			batch.ops.push({kind: 'undelivered', user: options.undeliveredTo, message});
		}

		this.#unindexed++;
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
			throw new StoreUnavailableError(`retention failed on ${this.#file}: ${describe(error)}`);
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
		this.#commit();
		await this.#pruning;
		if (this.#failure === undefined) {
			this.#indexAll();
		}

		await this.#checkpointer?.stop();
		this.#db.close();
		this.#unlock();
	}

	/** WAL checkpoints on a worker thread; if it fails, the writer's connection checkpoints itself again. */
	#startCheckpointer(everyMs: number): void {
		if (everyMs <= 0) {
			return;
		}

		this.#db.pragma('wal_autocheckpoint = 0');
		const checkpointer = new Checkpointer(this.#file, everyMs, reason => {
			this.#stats.checkpointFailure = reason;
			if (!this.#closed) {
				this.#db.pragma('wal_autocheckpoint = 1000');
				void checkpointer.stop();
			}
		});
		this.#checkpointer = checkpointer;
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

	/** Queues one write and resolves with `value` once it is committed. */
	async #write<T>(op: Batch['ops'][number], value: T): Promise<T> {
		const batch = this.#currentBatch();
		batch.ops.push(op);
		await batch.done;
		return value;
	}

	#currentBatch(): Batch {
		if (this.#batch === undefined) {
			this.#batch = new Batch();
			setImmediate(() => {
				this.#commit();
			});
		}

		return this.#batch;
	}

	/** Commits the pending batch (if any), then lets the index catch up when it is due. */
	#commit(): void {
		const batch = this.#batch;
		if (batch === undefined) {
			return;
		}

		this.#batch = undefined;
		const started = performance.now();
		try {
			this.#stats.rowsWritten += this.#writer.write(batch);
		} catch (error) {
			this.#stats.failedCommits++;
			const failure = new StoreUnavailableError(`could not write to the message store ${this.#file}: ${describe(error)}`, {cause: error});
			this.#reload();
			batch.reject(failure);
			return;
		}

		const elapsed = performance.now() - started;
		this.#stats.commits++;
		this.#stats.lastCommitMs = elapsed;
		this.#stats.longestCommitMs = Math.max(this.#stats.longestCommitMs, elapsed);
		batch.resolve();
		if (this.#cycle !== undefined || this.#unindexed >= this.#indexEvery) {
			this.#indexStep();
		}

		this.#armIdle();
	}

	#load(): void {
		const loaded = loadState(this.#db, this.#runs, this.#historyMax);
		this.#state = loaded.state;
		this.#byCid = loaded.byCid;
		this.#nextCid = loaded.nextCid;
		this.#scanFrom = loaded.scanFrom;
		this.#cycle = undefined;
		this.#unindexed = 0;
		for (const conversation of this.#state.conversations.values()) {
			this.#unindexed += conversation.messages.length;
		}
	}

	/** After a failed commit: memory back to what the database holds (or the store gives up). */
	#reload(): void {
		try {
			this.#load();
		} catch (error) {
			this.#failure = new StoreUnavailableError(`the message store ${this.#file} failed and could not be re-read: ${describe(error)}`, {cause: error});
		}
	}

	/** Messages from..to (all indexed, so all committed) read through the runs. */
	#fromDisk(conversation: Conversation, from: number, to: number): ChatMessage[] {
		const ids = this.#runs.ids(conversation.key, from, to);
		if (ids.length === 0) {
			return [];
		}

		const rows = this.#db.prepare<[string], {seq: number; msgid: string; ts: string; sender: string; text: string}>(
			'SELECT seq, msgid, ts, sender, text FROM log WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq',
		).all(JSON.stringify(ids));
		return rows.map(row => messageOf(conversation.name, row.seq, row.msgid, row.ts, row.sender, row.text));
	}

	/**
	Writes runs for some conversations' in-memory messages (a bounded number per step); when a cycle
	has gone through every conversation it started with, every log row up to its start is indexed,
	so the tail to re-read on open starts after it. Only runs between batches (nothing uncommitted).
	*/
	#indexStep(): boolean {
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
		const indexed: Conversation[] = [];
		let runs = 0;
		while (runs < runsPerIndexStep && cycle.queue.length > 0) {
			const conversation = state.conversations.get(cycle.queue.pop()!);
			const first = conversation?.messages[0];
			if (conversation === undefined || first === undefined) {
				continue;
			}

			const entry = {cid: conversation.key, runs: toRuns(first.seq, conversation.ids)};
			entries.push(entry);
			indexed.push(conversation);
			runs += entry.runs.length;
		}

		const done = cycle.queue.length === 0;
		const started = performance.now();
		try {
			this.#writer.index(entries, done ? cycle.through + 1 : undefined);
		} catch {
			// Left in memory: the next catch-up (or the next open) writes them.
			this.#cycle = undefined;
			return false;
		}

		const elapsed = performance.now() - started;
		this.#stats.indexCommits++;
		this.#stats.longestIndexMs = Math.max(this.#stats.longestIndexMs, elapsed);
		for (const conversation of indexed) {
			this.#unindexed -= state.dropThrough(conversation, conversation.lastSeq);
		}

		if (done) {
			this.#scanFrom = cycle.through + 1;
			this.#cycle = undefined;
		}

		return true;
	}

	/** Catches the index up with everything in memory (open, close). */
	#indexAll(): void {
		for (let cycles = 0; this.#unindexed > 0 || this.#cycle !== undefined;) {
			if (this.#cycle === undefined && ++cycles > 2) {
				break; // Whatever is left arrived without being counted: do not spin.
			}

			if (!this.#indexStep()) {
				break;
			}
		}
	}

	/** Catch up when commits stop for a while, so a quiet server does not hold its tail in memory. */
	#armIdle(): void {
		if (this.#idleTimer !== undefined || this.#closed || (this.#unindexed === 0 && this.#cycle === undefined)) {
			return;
		}

		this.#commitsAtIdleArm = this.#stats.commits;
		this.#idleTimer = setTimeout(() => {
			this.#idleTimer = undefined;
			if (this.#stats.commits === this.#commitsAtIdleArm && this.#indexStep() && (this.#unindexed > 0 || this.#cycle !== undefined)) {
				// More to do while quiet: go on after this turn rather than wait another second.
				this.#commitsAtIdleArm = this.#stats.commits;
				this.#idleTimer = setTimeout(() => {
					this.#idleTimer = undefined;
					this.#armIdle();
				}, 0).unref();
				return;
			}

			this.#armIdle();
		}, idleMs).unref();
	}

	#prunePass(): Promise<void> {
		this.#pruning ??= this.#prune().finally(() => {
			this.#pruning = undefined;
		});
		return this.#pruning;
	}

	/** One retention pass in bounded steps, a turn apart; never rejects (the error is kept in #pruneError). */
	async #prune(): Promise<void> {
		this.#pruneError = undefined;
		try {
			// Retention deletes indexed rows only: first index what waits in memory (committing the turn's batch early).
			this.#commit();
			let indexing = this.#indexStep();
			while (indexing && this.#cycle !== undefined && !this.#closed) {
				await nextTurn();
				this.#commit();
				indexing = this.#indexStep();
			}

			if (this.#historyDays > 0) {
				const cutoff = this.#now() - (this.#historyDays * dayMs);
				let cursor: number | undefined = 0;
				while (cursor !== undefined && !this.#closed && this.#failure === undefined) {
					const step = this.#retention.ageStep(this.#byCid, cursor, this.#scanFrom, cutoff);
					this.#stats.prunedMessages += step.deleted;
					cursor = step.next;
					await nextTurn();
				}
			}

			let checks = 0;
			for (const name of [...this.#state.conversations.keys()]) {
				for (;;) {
					if (this.#closed || this.#failure !== undefined) {
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

					const step = this.#retention.floorStep(conversation, target);
					this.#stats.prunedMessages += step.deleted;
					if (!step.more) {
						this.#deletedThrough.set(name, target);
					}

					await nextTurn();
				}
			}
		} catch (error) {
			this.#pruneError = error instanceof Error ? error : new Error(String(error));
		}
	}
}
