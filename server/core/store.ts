import type {ChatMessage} from '../../source/protocol/index.js';

/**
A conversation's key in the store, the same for every viewer: `#group`, `@alice,bob` (a DM pair,
the two names sorted and joined by a comma, which no name may hold) or `*` (broadcasts).
*/
export type ConversationId = string;

/** A message as the core hands it to the store: everything but the `seq` the store gives it. */
export type MessageDraft =
	| Omit<Extract<ChatMessage, {type: 'msg'}>, 'seq'>
	| Omit<Extract<ChatMessage, {type: 'broadcast'}>, 'seq'>
	| Omit<Extract<ChatMessage, {type: 'group_msg'}>, 'seq'>;

export type AppendOptions = {
	/**
	A DM to a registered user with no session: also remember it as undelivered to this user,
	unless they already have `mailboxCap` undelivered messages, or `senderShare` of this
	conversation's (from this sender) already wait (then nothing is stored).
	*/
	readonly undeliveredTo?: string;
	readonly mailboxCap?: number;
	readonly senderShare?: number;
};

export type AppendResult =
	| {readonly ok: true; readonly message: ChatMessage}
	/** `sender_share_full`: the mailbox has room, but not for more from this sender. */
	| {readonly ok: false; readonly reason: 'mailbox_full' | 'sender_share_full'};

/** How many of an offline user's waiting DMs may come from one sender: a tenth of the mailbox, so no one sender fills it for everyone else. */
export function mailboxShare(mailboxCap: number): number {
	return Math.max(1, Math.ceil(mailboxCap / 10));
}

export type HistoryQuery = {
	/** Only messages with seq < before. */
	readonly before?: number;
	/** Only messages with seq > after; the page then starts right after it (oldest first). */
	readonly after?: number;
	/** 1..1000. Without `after`, the newest `limit` messages (below `before`). */
	readonly limit: number;
};

export type HistoryPage = {
	/** Oldest first. */
	readonly messages: readonly ChatMessage[];
	/** Messages exist past this page in the direction asked (older ones, or with `after` newer ones). */
	readonly more: boolean;
};

export type GroupRecord = {readonly name: string; readonly members: ReadonlySet<string>};

export type MembershipChange = 'added' | 'no_such_group' | 'already_member';
export type MembershipRemoval = 'removed' | 'removed_group' | 'no_such_group' | 'not_member';

/** A DM conversation of one user, newest activity first. */
export type DmPartner = {readonly partner: string; readonly conversation: ConversationId; readonly lastSeq: number};

/**
Everything that outlives a connection: groups and members, every message with its per-conversation
seq, read markers, and undelivered DMs. The core reaches state only through this interface; the
in-memory, SQLite and (later) Redis adapters implement it.

Calls take effect in the order they are made: a read sees every write called before it, even one
whose promise has not resolved yet, and seqs are given in call order per conversation.
Durability: a write's promise resolves only once what it changed is committed (for SQLite, its
transaction; the writes of one event-loop turn share one transaction). A store that cannot
commit (disk full, locked, unreachable) rejects with a `StoreUnavailableError`.
*/
export type ChatStore = {
	/** False when the group already exists. */
	createGroup(group: string, creator: string): Promise<boolean>;
	addMember(group: string, user: string): Promise<MembershipChange>;
	/** `removed_group`: the user was the last member, so the group and its messages are gone (its seq is kept, never reused). */
	removeMember(group: string, user: string): Promise<MembershipRemoval>;
	members(group: string): Promise<ReadonlySet<string> | undefined>;
	/** Every group, in no particular order. */
	groups(): Promise<readonly GroupRecord[]>;
	/** The groups `user` is a member of. */
	groupsOf(user: string): Promise<readonly string[]>;

	/** Stores a message, giving it the conversation's next seq. */
	append(conversation: ConversationId, draft: MessageDraft, options?: AppendOptions): Promise<AppendResult>;
	history(conversation: ConversationId, query: HistoryQuery): Promise<HistoryPage>;
	/** The newest seq given in the conversation (0: none); kept even when its messages are pruned or its group is gone. */
	lastSeq(conversation: ConversationId): Promise<number>;
	/** The seq of the oldest message of the conversation still kept (not pruned, not gone with its group); undefined when none is. */
	firstKeptSeq(conversation: ConversationId): Promise<number | undefined>;
	/** The DM conversations `user` is part of, most recently active first, at most `limit`. */
	dmPartners(user: string, limit: number): Promise<readonly DmPartner[]>;

	/**
	Moves `user`'s read marker of `conversation` to `seq`, only ever forward and never past the
	conversation's last seq; returns the stored marker (an older `seq` leaves it as it was).
	*/
	markRead(user: string, conversation: ConversationId, seq: number): Promise<number>;
	/** Every read marker of `user`. */
	readMarkers(user: string): Promise<ReadonlyMap<ConversationId, number>>;

	/** DMs stored for `user` while they had no session, oldest first. */
	undelivered(user: string): Promise<readonly ChatMessage[]>;
	/** Forgets these undelivered DMs of `user` (by msgid): they were delivered. */
	markDelivered(user: string, messages: readonly ChatMessage[]): Promise<void>;
	/** How many DMs wait for `user`. */
	undeliveredCount(user: string): Promise<number>;

	/**
	Forgets a user who is no longer registered, so that nothing passes to a later user of the name:
	removes them from every group (a group left empty goes as with `removeMember`), drops every DM
	conversation they are part of for both partners (its messages are gone, its last seq is kept so
	numbering goes on, and it leaves the partner's `dmPartners` until a new message is appended to
	it), and deletes their read markers, their undelivered DMs and the undelivered DMs of those
	conversations waiting for the partners. Partners keep their read markers of those conversations.
	*/
	forgetUser(user: string): Promise<void>;

	/** Flushes what is pending and releases the store; later calls reject. */
	close(): Promise<void>;
};

/** The store's key for a DM pair, whoever asks. */
export function dmConversationId(first: string, second: string): ConversationId {
	return first < second ? `@${first},${second}` : `@${second},${first}`;
}

export const BROADCAST_ID: ConversationId = '*';

export function groupConversationId(group: string): ConversationId {
	return `#${group}`;
}

/** The store key of a message's conversation. */
export function conversationIdOf(message: MessageDraft | ChatMessage): ConversationId {
	switch (message.type) {
		case 'msg': {
			return dmConversationId(message.from, message.to);
		}

		case 'group_msg': {
			return groupConversationId(message.group);
		}

		case 'broadcast': {
			return BROADCAST_ID;
		}
	}
}

/** The store could not do what was asked (disk full, database locked, server unreachable): the core answers `unavailable`. */
export class StoreUnavailableError extends Error {
	override readonly name = 'StoreUnavailableError';
	/** True when the write may still take effect (it reached a store that stopped answering), so "nothing was changed" cannot be promised. */
	readonly uncertain: boolean;

	constructor(message: string, options: ErrorOptions & {readonly uncertain?: boolean} = {}) {
		super(message, options.cause === undefined ? undefined : {cause: options.cause});
		this.uncertain = options.uncertain ?? false;
	}
}
