/** A conversation's key, spelled as the protocol spells it: `*` (broadcasts), `#<group>` or `@<user>`. */
export type ConversationKey = string;

export type ConversationKind = 'all' | 'group' | 'dm';

/** A chat message as the view holds it. */
export type MessageLine = {
	readonly kind: 'message';
	/** Unique within the client state: React's key. */
	readonly key: number;
	/** The server's message id (a ULID): the same message never shows twice. */
	readonly msgid: string;
	/** Position in its conversation; lines are ordered by (epoch, seq). */
	readonly seq: number;
	/** The conversation's epoch when the message came (see `Conversation.epoch`). */
	readonly epoch: number;
	readonly ts: string;
	readonly from: string;
	readonly text: string;
	readonly mine: boolean;
	readonly mention: boolean;
	/** A `/me` action: shown as `* from text`. */
	readonly action: boolean;
};

/** Messages with after < seq < before that the client does not hold: PageUp there fetches them. */
export type GapLine = {
	readonly kind: 'gap';
	readonly key: number;
	readonly epoch: number;
	readonly after: number;
	readonly before: number;
	/** A history request for this gap is on its way. */
	readonly loading: boolean;
};

/** One row of a conversation: a chat message, a gap, or a line the client itself shows (info, error). */
export type Line =
	| MessageLine
	| GapLine
	| {readonly kind: 'info' | 'error'; readonly key: number; readonly text: string};

/** Whether the conversation's stored history has been asked for. */
export type HistoryState = 'unloaded' | 'loading' | 'loaded';

export type Conversation = {
	readonly key: ConversationKey;
	readonly kind: ConversationKind;
	/** The group or partner name; `All` for broadcasts. */
	readonly name: string;
	/** Messages ordered by (epoch, seq), info lines where they happened; at most `historyLimit` lines while following the newest. */
	readonly lines: readonly Line[];
	/** Unread messages: lastSeq − readSeq (the server's rule: your own messages count too until shown). */
	readonly unread: number;
	/** Unread messages that mention you (counted as they arrive). */
	readonly mentions: number;
	/** Lines hidden below the view: 0 means following the newest line. */
	readonly scroll: number;
	/** The newest seq the client knows of (from the login summary or a message). */
	readonly lastSeq: number;
	/** Read up to here: the server's marker, or further when this client has shown more. */
	readonly readSeq: number;
	/** The read marker the server is known to hold: `readSeq` above it is sent with `mark_read`. */
	readonly markedSeq: number;
	/** The newest message seq held in the current epoch (0: none): the resume point. */
	readonly newestSeq: number;
	/**
	Bumped when the server's numbering starts again (a throwaway server restarted): lines from
	before stay, ordered before the new ones.
	*/
	readonly epoch: number;
	readonly history: HistoryState;
	/** Older messages exist before the oldest line held (PageUp at the top fetches them). */
	readonly hasOlder: boolean;
	/** A request for the older page is on its way. */
	readonly loadingOlder: boolean;
	/** Where the "new messages" line goes: after this seq (set when the conversation is opened with unread messages). */
	readonly newAfter: number | undefined;
};

export type ConnectionState = 'online' | 'reconnecting' | 'offline';

/** A /history request the view wants sent (drained by the screen, answered with a `reply` action). */
export type HistoryRequest = {
	readonly id: number;
	readonly conversation: ConversationKey;
	readonly line: string;
};

export type ChatState = {
	readonly me: string;
	/** `host:port`, for the status line. */
	readonly server: string;
	readonly connection: ConnectionState;
	/** Why the connection is not online, or when it retries. */
	readonly connectionDetail: string;
	/** Last ping round trip in ms, undefined before the first pong. */
	readonly lagMs: number | undefined;
	readonly conversations: Readonly<Record<ConversationKey, Conversation>>;
	readonly active: ConversationKey;
	/** Online users, sorted, without duplicates. */
	readonly online: readonly string[];
	/** Every group name the client has heard of (for completion), sorted. */
	readonly knownGroups: readonly string[];
	/** Every user name the client has heard of (for completion), sorted. */
	readonly knownUsers: readonly string[];
	readonly historyLimit: number;
	/** Next `Line.key`. */
	readonly nextKey: number;
	/** History pages to fetch, oldest first. */
	readonly requests: readonly HistoryRequest[];
	readonly nextRequest: number;
	/** The members of each group whose list the client holds (from /members, kept current by presence and membership events). */
	readonly members: Readonly<Record<string, readonly GroupMember[]>>;
	/** How many members each of those groups has, by the server's count: more than its list holds when a huge group was fetched only in part. */
	readonly memberTotals: Readonly<Record<string, number>>;
	/** Counts the messages worth a bell: a mention or a direct message from someone else (whether it rings depends on the view and the terminal's focus). */
	readonly alerts: number;
	/** The newest of them, for a desktop notification. */
	readonly lastAlert: Alert | undefined;
};

export type GroupMember = {readonly name: string; readonly online: boolean};

export type Alert = {
	readonly conversation: ConversationKey;
	readonly from: string;
	readonly text: string;
	readonly mention: boolean;
	/** It arrived in the open conversation. */
	readonly inView: boolean;
};
