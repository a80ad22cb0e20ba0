import type {ChatMessage} from '../../source/protocol/index.js';
import type {
	AppendOptions, AppendResult, ChatStore, ConversationId, DmPartner, GroupRecord, HistoryPage, HistoryQuery, MembershipChange, MembershipRemoval,
	MessageDraft,
} from '../core/store.js';
import {StoreUnavailableError} from '../core/store.js';
import {ChatState, DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX, type RetentionOptions, type StoreStats} from './state.js';

const dayMs = 86_400_000;
const pruneEveryMs = 10 * 60_000;

/** How far past `historyMax` a conversation's array may grow before its old end is cut (amortizes the splice). */
function trimSlack(historyMax: number): number {
	return Math.max(64, historyMax >> 2);
}

/** Everything in maps, nothing on disk: `--data :memory:`, tests, and the baseline the benchmark compares against. */
export class MemoryStore implements ChatStore {
	readonly #state: ChatState;
	readonly #historyDays: number;
	readonly #now: () => number;
	readonly #trimAt: number;
	#timer: NodeJS.Timeout | undefined;
	#closed = false;
	#pruned = 0;

	constructor(options: RetentionOptions = {}) {
		const historyMax = options.historyMax ?? DEFAULT_HISTORY_MAX;
		this.#state = new ChatState(historyMax);
		this.#historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
		this.#now = options.now ?? Date.now;
		this.#trimAt = historyMax > 0 ? historyMax + trimSlack(historyMax) : Number.POSITIVE_INFINITY;
		if (this.#historyDays > 0) {
			this.#timer = setInterval(() => {
				this.#prune();
			}, pruneEveryMs).unref();
		}
	}

	async createGroup(group: string, creator: string): Promise<boolean> {
		return this.#closed ? closed() : this.#state.createGroup(group, creator);
	}

	async addMember(group: string, user: string): Promise<MembershipChange> {
		return this.#closed ? closed() : this.#state.addMember(group, user);
	}

	async removeMember(group: string, user: string): Promise<MembershipRemoval> {
		return this.#closed ? closed() : this.#state.removeMember(group, user).result;
	}

	async members(group: string): Promise<ReadonlySet<string> | undefined> {
		return this.#closed ? closed() : this.#state.groups.get(group);
	}

	async groups(): Promise<readonly GroupRecord[]> {
		return this.#closed ? closed() : this.#state.groupRecords();
	}

	async groupsOf(user: string): Promise<readonly string[]> {
		return this.#closed ? closed() : this.#state.groupsOf(user);
	}

	async append(conversation: ConversationId, draft: MessageDraft, options?: AppendOptions): Promise<AppendResult> {
		if (this.#closed) {
			return closed();
		}

		const result = this.#state.append(conversation, draft, options, this.#now());
		if (result.ok) {
			const stored = this.#state.conversations.get(conversation);
			if (stored !== undefined && stored.messages.length > this.#trimAt) {
				this.#pruned += this.#state.dropThrough(stored, this.#state.visibleFloor(stored));
			}
		}

		return result;
	}

	async history(conversation: ConversationId, query: HistoryQuery): Promise<HistoryPage> {
		if (this.#closed) {
			return closed();
		}

		const stored = this.#state.conversations.get(conversation);
		const range = this.#state.page(stored, query);
		const messages = stored === undefined || range.from > range.to ? [] : this.#state.inMemory(stored, range.from, range.to);
		return {messages, more: range.more};
	}

	async lastSeq(conversation: ConversationId): Promise<number> {
		return this.#closed ? closed() : this.#state.lastSeq(conversation);
	}

	async firstKeptSeq(conversation: ConversationId): Promise<number | undefined> {
		return this.#closed ? closed() : this.#state.firstKeptSeq(conversation);
	}

	async dmPartners(user: string, limit: number): Promise<readonly DmPartner[]> {
		return this.#closed ? closed() : this.#state.dmPartners(user, limit);
	}

	async markRead(user: string, conversation: ConversationId, seq: number): Promise<number> {
		return this.#closed ? closed() : this.#state.markRead(user, conversation, seq).value;
	}

	async readMarkers(user: string): Promise<ReadonlyMap<ConversationId, number>> {
		return this.#closed ? closed() : this.#state.readMarkers(user);
	}

	async undelivered(user: string): Promise<readonly ChatMessage[]> {
		return this.#closed ? closed() : this.#state.undelivered(user);
	}

	async markDelivered(user: string, messages: readonly ChatMessage[]): Promise<void> {
		if (this.#closed) {
			return closed();
		}

		this.#state.markDelivered(user, messages);
	}

	async undeliveredCount(user: string): Promise<number> {
		return this.#closed ? closed() : this.#state.undeliveredCount(user);
	}

	async forgetUser(user: string): Promise<void> {
		if (this.#closed) {
			return closed();
		}

		this.#state.forgetUser(user);
	}

	/** Applies retention now (it also runs every 10 minutes when `historyDays` is set). */
	async prune(): Promise<void> {
		if (this.#closed) {
			return closed();
		}

		this.#prune();
	}

	/** Nothing is committed anywhere: only `prunedMessages` counts. */
	stats(): StoreStats {
		return {
			file: ':memory:', commits: 0, rowsWritten: 0, longestCommitMs: 0, lastCommitMs: 0, failedCommits: 0,
			unindexedMessages: 0, indexCommits: 0, longestIndexMs: 0, prunedMessages: this.#pruned,
		};
	}

	async close(): Promise<void> {
		this.#closed = true;
		clearInterval(this.#timer);
	}

	#prune(): void {
		const state = this.#state;
		const cutoff = this.#historyDays > 0 ? this.#now() - (this.#historyDays * dayMs) : Number.NEGATIVE_INFINITY;
		for (const conversation of state.conversations.values()) {
			const {ats, messages} = conversation;
			let old = 0;
			while (old < ats.length && ats[old]! < cutoff) {
				old++;
			}

			if (old > 0) {
				conversation.floor = Math.max(conversation.floor, messages[old - 1]!.seq);
			}

			this.#pruned += state.dropThrough(conversation, state.visibleFloor(conversation));
		}
	}
}

async function closed(): Promise<never> {
	throw new StoreUnavailableError('the store is closed');
}
