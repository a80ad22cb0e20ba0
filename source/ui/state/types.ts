/** A conversation's key: `all`, `#<group>` or `@<user>`. */
export type ConversationKey = string;

export type ConversationKind = 'all' | 'group' | 'dm';

/** One row of a conversation: a chat message, or a line the client itself shows (info, error). */
export type Line =
	| {
		readonly kind: 'message';
		/** Unique within the client state: React's key. */
		readonly key: number;
		/** The server's message id, used to drop duplicates. */
		readonly id: number;
		readonly ts: string;
		readonly from: string;
		readonly text: string;
		readonly mine: boolean;
		readonly mention: boolean;
	}
	| {readonly kind: 'info' | 'error'; readonly key: number; readonly text: string};

export type Conversation = {
	readonly key: ConversationKey;
	readonly kind: ConversationKind;
	/** The group or partner name; `All` for broadcasts. */
	readonly name: string;
	/** Oldest first, at most `historyLimit` lines. */
	readonly lines: readonly Line[];
	readonly unread: number;
	/** Unread messages that mention you. */
	readonly mentions: number;
	/** Lines hidden below the view: 0 means following the newest line. */
	readonly scroll: number;
};

export type ConnectionState = 'online' | 'reconnecting' | 'offline';

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
};
