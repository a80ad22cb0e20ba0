import type {ChatMessage} from '../../source/protocol/index.js';
import type {
	AppendOptions, AppendResult, ConversationId, DmPartner, GroupRecord, HistoryQuery, MembershipChange, MembershipRemoval, MessageDraft,
} from '../core/store.js';
import {conversationIdOf, groupConversationId} from '../core/store.js';

/** Keep messages forever unless told otherwise. */
export const DEFAULT_HISTORY_DAYS = 0;
/** Per conversation. */
export const DEFAULT_HISTORY_MAX = 100_000;
export const MAX_HISTORY_PAGE = 1000;

export type RetentionOptions = {
	/** Messages older than this many days are pruned; 0 or undefined: no age limit. */
	readonly historyDays?: number;
	/** Only the newest this many messages of each conversation are kept; 0 or undefined: no limit. */
	readonly historyMax?: number;
	/** The clock (ms since the epoch) used for message ages; tests inject one. */
	readonly now?: () => number;
};

/** Commit figures; the server logs them and the benchmark prints them. */
export type StoreStats = {
	/** The database file, or `:memory:`. */
	readonly file: string;
	/** Transactions committed for writes (one per event-loop turn that wrote). */
	readonly commits: number;
	/** Rows those transactions wrote (messages and every other row). */
	readonly rowsWritten: number;
	readonly longestCommitMs: number;
	readonly lastCommitMs: number;
	/** Write transactions that failed (their writes were rejected). */
	readonly failedCommits: number;
	/** Messages held in memory until the history index catches up with them. */
	readonly unindexedMessages: number;
	/** Index catch-up transactions and the longest of them. */
	readonly indexCommits: number;
	readonly longestIndexMs: number;
	/** Messages deleted by retention or with their group. */
	readonly prunedMessages: number;
	/** Why WAL checkpoints moved back onto the writer's thread, if they did. */
	readonly checkpointFailure?: string;
};

/**
One conversation. Its seqs run without holes from `floor + 1` to `lastSeq`: pruning and group
removal only ever raise `floor`. `messages` holds the newest of them that are kept in memory
(all for the memory store, the not yet indexed tail for SQLite), with parallel `ids` (the global
append number, also the SQLite log row id) and `ats` (append time, for age retention).
*/
export type Conversation = {
	readonly name: ConversationId;
	/** The SQLite store's numeric id of the conversation (0: none yet; unused in memory). */
	key: number;
	lastSeq: number;
	/** Seqs up to this one are gone (pruned, or their group removed). */
	floor: number;
	/** The id of its newest message: orders DM partners by recent activity. */
	lastId: number;
	messages: ChatMessage[];
	ids: number[];
	ats: number[];
};

export type PageRange = {readonly from: number; readonly to: number; readonly more: boolean};

export type RemovalResult = {readonly result: MembershipRemoval; readonly dropped?: Conversation};

/** What `forgetUser` changed; each `dropped` is the conversation as it was before (its `ids` are the log rows to delete). */
export type Forgotten = {
	/** The groups the user left; `dropped` when they were its last member. */
	readonly groups: ReadonlyArray<{readonly group: string; readonly dropped: Conversation | undefined}>;
	/** The user's DM conversations, all dropped, with the other name of each pair. */
	readonly dms: ReadonlyArray<{readonly partner: string; readonly dropped: Conversation}>;
};

/** The two names of a DM conversation id `@a,b`. */
export function dmPair(conversation: ConversationId): readonly [string, string] | undefined {
	if (!conversation.startsWith('@')) {
		return undefined;
	}

	const comma = conversation.indexOf(',');
	return comma < 0 ? undefined : [conversation.slice(1, comma), conversation.slice(comma + 1)];
}

/** Rebuilds a stored message from its parts (the SQLite rows keep no type, `to` or `group`: the conversation id tells them). */
export function messageOf(conversation: ConversationId, seq: number, msgid: string, ts: string, from: string, text: string, action = false): ChatMessage {
	const message = plainMessageOf(conversation, seq, msgid, ts, from, text);
	return action ? {...message, action: true} : message;
}

function plainMessageOf(conversation: ConversationId, seq: number, msgid: string, ts: string, from: string, text: string): ChatMessage {
	const sigil = conversation[0];
	if (sigil === '#') {
		return {type: 'group_msg', msgid, seq, ts, from, group: conversation.slice(1), text};
	}

	if (sigil === '@') {
		const pair = dmPair(conversation);
		const to = pair === undefined ? from : (pair[0] === from ? pair[1] : pair[0]);
		return {type: 'msg', msgid, seq, ts, from, to, text};
	}

	return {type: 'broadcast', msgid, seq, ts, from, text};
}

function stamp(draft: MessageDraft, seq: number): ChatMessage {
	const message = stampPlain(draft, seq);
	// `/me`: a second shape only for actions, so ordinary messages keep theirs.
	return draft.action ? {...message, action: true} : message;
}

function stampPlain(draft: MessageDraft, seq: number): ChatMessage {
	switch (draft.type) {
		case 'msg': {
			return {type: 'msg', msgid: draft.msgid, seq, ts: draft.ts, from: draft.from, to: draft.to, text: draft.text};
		}

		case 'group_msg': {
			return {type: 'group_msg', msgid: draft.msgid, seq, ts: draft.ts, from: draft.from, group: draft.group, text: draft.text};
		}

		case 'broadcast': {
			return {type: 'broadcast', msgid: draft.msgid, seq, ts: draft.ts, from: draft.from, text: draft.text};
		}
	}
}

const emptySet: ReadonlySet<string> = new Set();

/** How many of a mailbox's messages belong to `conversation` (a DM pair: one sender). */
function waitingFrom(mailbox: readonly ChatMessage[], conversation: ConversationId): number {
	let count = 0;
	for (const message of mailbox) {
		if (conversationIdOf(message) === conversation) {
			count++;
		}
	}

	return count;
}

/**
Everything a store keeps, in memory, with the semantics of `ChatStore` but synchronous. The memory
store is this plus resolved promises; the SQLite store uses it as its cache and writes through.
Member sets are copied on change, so a set handed out never changes under its holder.
*/
export class ChatState {
	readonly groups = new Map<string, ReadonlySet<string>>();
	readonly conversations = new Map<ConversationId, Conversation>();
	readonly markers = new Map<string, Map<ConversationId, number>>();
	readonly mailboxes = new Map<string, ChatMessage[]>();
	/** The id the next appended message gets. */
	nextId = 1;
	readonly #groupsByUser = new Map<string, Set<string>>();
	/** Each user's DM conversations, in the order they were (re)listed; a DM with oneself is there once. */
	readonly #dmsByUser = new Map<string, Conversation[]>();
	/** DM conversations dropped with a forgotten user: listed by `dmPartners` again once a message is appended. */
	readonly #unlisted = new Set<Conversation>();

	constructor(readonly historyMax: number) {}

	createGroup(group: string, creator: string): boolean {
		if (this.groups.has(group)) {
			return false;
		}

		this.setMembers(group, new Set([creator]));
		return true;
	}

	addMember(group: string, user: string): MembershipChange {
		const members = this.groups.get(group);
		if (members === undefined) {
			return 'no_such_group';
		}

		if (members.has(user)) {
			return 'already_member';
		}

		this.setMembers(group, new Set(members).add(user));
		return 'added';
	}

	removeMember(group: string, user: string): RemovalResult {
		const members = this.groups.get(group);
		if (members === undefined) {
			return {result: 'no_such_group'};
		}

		if (!members.has(user)) {
			return {result: 'not_member'};
		}

		const rest = new Set(members);
		rest.delete(user);
		this.setMembers(group, rest);
		if (rest.size > 0) {
			return {result: 'removed'};
		}

		// The last member left: the group and its messages go, its seq stays.
		const conversation = this.conversations.get(groupConversationId(group));
		if (conversation === undefined) {
			return {result: 'removed_group'};
		}

		return {result: 'removed_group', dropped: this.#drop(conversation)};
	}

	/**
	Removes `user` from every group, drops their DM conversations (for both partners; seqs kept,
	no longer listed by `dmPartners`) with the partners' undelivered messages of them, and deletes
	the user's read markers and undelivered messages.
	*/
	forgetUser(user: string): Forgotten {
		const groups = this.groupsOf(user).map(group => ({group, dropped: this.removeMember(group, user).dropped}));
		const dms: Array<{readonly partner: string; readonly dropped: Conversation}> = [];
		for (const conversation of [...(this.#dmsByUser.get(user) ?? [])]) {
			const pair = dmPair(conversation.name) ?? [user, user];
			const partner = pair[0] === user ? pair[1] : pair[0];
			dms.push({partner, dropped: this.#drop(conversation)});
			this.unlistDm(conversation);
			const mailbox = this.mailboxes.get(partner);
			if (mailbox !== undefined) {
				const kept = mailbox.filter(message => conversationIdOf(message) !== conversation.name);
				if (kept.length === 0) {
					this.mailboxes.delete(partner);
				} else if (kept.length < mailbox.length) {
					this.mailboxes.set(partner, kept);
				}
			}
		}

		this.markers.delete(user);
		this.mailboxes.delete(user);
		return {groups, dms};
	}

	/** Takes a DM conversation out of `dmPartners` (of both names) until its next message. */
	unlistDm(conversation: Conversation): void {
		const pair = dmPair(conversation.name);
		if (pair === undefined) {
			return;
		}

		for (const user of pair) {
			const mine = this.#dmsByUser.get(user);
			const index = mine === undefined ? -1 : mine.indexOf(conversation);
			if (index >= 0) {
				mine!.splice(index, 1);
				if (mine!.length === 0) {
					this.#dmsByUser.delete(user);
				}
			}
		}

		this.#unlisted.add(conversation);
	}

	/** Sets a group's members (an empty set removes the group) and keeps the per-user index. */
	setMembers(group: string, members: ReadonlySet<string>): void {
		const before = this.groups.get(group) ?? emptySet;
		for (const user of before) {
			if (!members.has(user)) {
				const mine = this.#groupsByUser.get(user);
				mine?.delete(group);
				if (mine?.size === 0) {
					this.#groupsByUser.delete(user);
				}
			}
		}

		for (const user of members) {
			if (!before.has(user)) {
				let mine = this.#groupsByUser.get(user);
				if (mine === undefined) {
					mine = new Set();
					this.#groupsByUser.set(user, mine);
				}

				mine.add(group);
			}
		}

		if (members.size === 0) {
			this.groups.delete(group);
		} else {
			this.groups.set(group, members);
		}
	}

	groupRecords(): GroupRecord[] {
		const records: GroupRecord[] = [];
		for (const [name, members] of this.groups) {
			records.push({name, members});
		}

		return records;
	}

	groupsOf(user: string): string[] {
		const mine = this.#groupsByUser.get(user);
		return mine === undefined ? [] : [...mine];
	}

	conversation(name: ConversationId): Conversation {
		return this.conversations.get(name) ?? this.#create(name, [], [], []);
	}

	#create(name: ConversationId, messages: ChatMessage[], ids: number[], ats: number[]): Conversation {
		const conversation: Conversation = {name, key: 0, lastSeq: 0, floor: 0, lastId: 0, messages, ids, ats};
		this.conversations.set(name, conversation);
		const pair = dmPair(name);
		if (pair !== undefined) {
			this.#addDm(pair[0], conversation);
			if (pair[1] !== pair[0]) {
				this.#addDm(pair[1], conversation);
			}
		}

		return conversation;
	}

	/** Gives the draft the next seq and keeps it (and its undelivered mark), or refuses a full mailbox. */
	append(name: ConversationId, draft: MessageDraft, options: AppendOptions | undefined, at: number): AppendResult {
		let mailbox: ChatMessage[] | undefined;
		const recipient = options?.undeliveredTo;
		if (recipient !== undefined) {
			mailbox = this.mailboxes.get(recipient);
			const cap = options?.mailboxCap;
			if (cap !== undefined && (mailbox?.length ?? 0) >= cap) {
				return {ok: false, reason: 'mailbox_full'};
			}

			const share = options?.senderShare;
			if (share !== undefined && mailbox !== undefined && mailbox.length >= share && waitingFrom(mailbox, name) >= share) {
				return {ok: false, reason: 'sender_share_full'};
			}

			if (mailbox === undefined) {
				mailbox = [];
				this.mailboxes.set(recipient, mailbox);
			}
		}

		const existing = this.conversations.get(name);
		if (existing === undefined) {
			// A new conversation's arrays start at their size (most hold few messages).
			const message = stamp(draft, 1);
			const id = this.nextId++;
			const conversation = this.#create(name, [message], [id], [at]);
			conversation.lastSeq = 1;
			conversation.lastId = id;
			mailbox?.push(message);
			return {ok: true, message};
		}

		const conversation = existing;
		if (this.#unlisted.size > 0 && this.#unlisted.delete(conversation)) {
			const pair = dmPair(name);
			if (pair !== undefined) {
				this.#addDm(pair[0], conversation);
				if (pair[1] !== pair[0]) {
					this.#addDm(pair[1], conversation);
				}
			}
		}

		const message = stamp(draft, conversation.lastSeq + 1);
		const id = this.nextId++;
		conversation.lastSeq = message.seq;
		conversation.lastId = id;
		conversation.messages.push(message);
		conversation.ids.push(id);
		conversation.ats.push(at);
		mailbox?.push(message);
		return {ok: true, message};
	}

	/** Seqs up to this one are not served: pruned, removed, or past `historyMax`. */
	visibleFloor(conversation: Conversation): number {
		return this.historyMax > 0 ? Math.max(conversation.floor, conversation.lastSeq - this.historyMax) : conversation.floor;
	}

	/** The seqs a history page covers (empty when from > to). */
	page(conversation: Conversation | undefined, query: HistoryQuery): PageRange {
		if (conversation === undefined) {
			return {from: 1, to: 0, more: false};
		}

		const limit = Number.isFinite(query.limit) ? Math.min(Math.max(Math.floor(query.limit), 1), MAX_HISTORY_PAGE) : MAX_HISTORY_PAGE;
		const low = this.visibleFloor(conversation);
		const upper = query.before === undefined ? conversation.lastSeq : Math.min(conversation.lastSeq, query.before - 1);
		if (query.after !== undefined) {
			const from = Math.max(query.after, low) + 1;
			const to = Math.min(upper, from + limit - 1);
			return {from, to, more: to < upper};
		}

		const from = Math.max(low + 1, upper - limit + 1);
		return {from, to: upper, more: from > low + 1};
	}

	/** The page's messages held in memory, oldest first: those with seq >= the first one in memory. */
	inMemory(conversation: Conversation, from: number, to: number): ChatMessage[] {
		const first = conversation.messages[0]?.seq ?? conversation.lastSeq + 1;
		return conversation.messages.slice(Math.max(from, first) - first, Math.max(to + 1 - first, 0));
	}

	/** Drops the in-memory messages at or below `seq`; returns how many. */
	dropThrough(conversation: Conversation, seq: number): number {
		const first = conversation.messages[0]?.seq;
		if (first === undefined || seq < first) {
			return 0;
		}

		const count = Math.min(seq - first + 1, conversation.messages.length);
		conversation.messages.splice(0, count);
		conversation.ids.splice(0, count);
		conversation.ats.splice(0, count);
		return count;
	}

	dmPartners(user: string, limit: number): DmPartner[] {
		const mine = this.#dmsByUser.get(user);
		if (mine === undefined) {
			return [];
		}

		const sorted = [...mine].sort((a, b) => b.lastId - a.lastId).slice(0, Math.max(limit, 0));
		return sorted.map(conversation => {
			const pair = dmPair(conversation.name) ?? [user, user];
			return {partner: pair[0] === user ? pair[1] : pair[0], conversation: conversation.name, lastSeq: conversation.lastSeq};
		});
	}

	lastSeq(name: ConversationId): number {
		return this.conversations.get(name)?.lastSeq ?? 0;
	}

	firstKeptSeq(name: ConversationId): number | undefined {
		const conversation = this.conversations.get(name);
		const first = conversation === undefined ? 1 : this.visibleFloor(conversation) + 1;
		return conversation === undefined || first > conversation.lastSeq ? undefined : first;
	}

	/** Moves the marker forward (clamped to the last seq); `changed` when it moved. */
	markRead(user: string, name: ConversationId, seq: number): {readonly value: number; readonly changed: boolean} {
		const mine = this.markers.get(user);
		const current = mine?.get(name) ?? 0;
		const wanted = Math.min(Math.floor(seq), this.lastSeq(name));
		if (!(wanted > current)) { // Also NaN.
			return {value: current, changed: false};
		}

		this.setMarker(user, name, wanted);
		return {value: wanted, changed: true};
	}

	setMarker(user: string, name: ConversationId, seq: number): void {
		let mine = this.markers.get(user);
		if (mine === undefined) {
			mine = new Map();
			this.markers.set(user, mine);
		}

		mine.set(name, seq);
	}

	readMarkers(user: string): Map<ConversationId, number> {
		return new Map(this.markers.get(user));
	}

	undelivered(user: string): ChatMessage[] {
		return this.mailboxes.get(user)?.slice() ?? [];
	}

	/** Forgets these undelivered messages (by msgid); returns the msgids that were there. */
	markDelivered(user: string, messages: readonly ChatMessage[]): string[] {
		const mailbox = this.mailboxes.get(user);
		if (mailbox === undefined || messages.length === 0) {
			return [];
		}

		const gone = new Set(messages.map(message => message.msgid));
		const kept: ChatMessage[] = [];
		const removed: string[] = [];
		for (const message of mailbox) {
			if (gone.has(message.msgid)) {
				removed.push(message.msgid);
			} else {
				kept.push(message);
			}
		}

		if (kept.length === 0) {
			this.mailboxes.delete(user);
		} else {
			this.mailboxes.set(user, kept);
		}

		return removed;
	}

	undeliveredCount(user: string): number {
		return this.mailboxes.get(user)?.length ?? 0;
	}

	/** Its messages go, its seq stays: returns it as it was. */
	#drop(conversation: Conversation): Conversation {
		const dropped: Conversation = {...conversation};
		conversation.floor = conversation.lastSeq;
		conversation.messages = [];
		conversation.ids = [];
		conversation.ats = [];
		return dropped;
	}

	#addDm(user: string, conversation: Conversation): void {
		const mine = this.#dmsByUser.get(user);
		if (mine === undefined) {
			this.#dmsByUser.set(user, [conversation]);
		} else {
			mine.push(conversation);
		}
	}
}
