import type {CommandName, ParseErrorCode} from './commands.js';
import {parseConversation, type ConversationName} from './conversation.js';
import {MAX_RESUME_CONVERSATIONS} from './limits.js';

/** Chosen by a JSON-mode client to match a reply to its request; echoed back unchanged. */
export type RequestId = string | number;

/**
What the server stamps on every chat message: `msgid` (a ULID, unique across restarts and nodes),
`seq` (rises by one per conversation: a group, a DM pair, the broadcasts), `ts` (ISO 8601, UTC)
and `from`.
*/
type Stamped = {
	readonly msgid: string;
	readonly seq: number;
	readonly ts: string;
	/** `/me`: the text is an action of `from` (shown as `* alice waves`); absent on ordinary messages. */
	readonly action?: true;
};

export type PrivateMessage = Stamped & {
	readonly type: 'msg';
	readonly from: string;
	readonly to: string;
	readonly text: string;
};

export type BroadcastMessage = Stamped & {
	readonly type: 'broadcast';
	readonly from: string;
	readonly text: string;
};

export type GroupMessage = Stamped & {
	readonly type: 'group_msg';
	readonly from: string;
	readonly group: string;
	readonly text: string;
};

export type ChatMessage = PrivateMessage | BroadcastMessage | GroupMessage;

export type UserInfo = {readonly name: string; readonly sessions: number};
export type GroupInfo = {readonly name: string; readonly members: number; readonly joined: boolean};
export type MemberInfo = {readonly name: string; readonly online: boolean};

/** One of your sessions, for `/sessions`. */
export type SessionInfo = {
	/** The server's connection number. */
	readonly id: number;
	/** The wire protocol: `text`, `json` or `irc`. */
	readonly mode: string;
	readonly address: string;
	/** When it logged in, ISO 8601 UTC. */
	readonly since: string;
	/** The session that asked. */
	readonly current: boolean;
	/** With several nodes (`natter serve --redis`): the node the session is on (ids are per node). */
	readonly node?: string;
};

/** One conversation of the user's at login: where it ends, where the user stopped reading. */
export type ConversationSummary = {
	readonly conversation: ConversationName;
	/** The newest message's seq (0: none yet). */
	readonly last_seq: number;
	/** The user's read marker (0: nothing read). */
	readonly read_seq: number;
	/** last_seq − read_seq: messages after the marker, the user's own included. */
	readonly unread: number;
};

/** Resume: the last seq the client holds, per conversation (`{"#dev": 41, "@bob": 7}`). */
export type ResumePoints = Readonly<Record<ConversationName, number>>;

export type ErrorCode =
	| ParseErrorCode
	| 'not_logged_in'
	| 'already_logged_in'
	| 'auth_failed'
	| 'too_many_attempts'
	| 'unknown_user'
	| 'offline'
	| 'mailbox_full'
	| 'no_such_conversation'
	| 'no_such_group'
	| 'group_exists'
	| 'already_member'
	| 'not_member'
	| 'rate_limited'
	| 'line_too_long'
	| 'invalid_utf8'
	| 'bad_json'
	| 'bad_request'
	| 'unsupported_protocol'
	| 'unavailable'
	/** Too many logins are waiting for their password check (from everyone, or from your address): try again shortly. */
	| 'busy'
	/** Too many failed logins for this account lately: try again after the time the message gives. */
	| 'throttled'
	/** Your address has too many connections open, or opened too many lately: the connection is closed. */
	| 'too_many_connections'
	/** The user already has the most sessions allowed at once. */
	| 'too_many_sessions'
	/** `/create_group`: you created the most groups allowed, or the server holds the most it allows. */
	| 'too_many_groups'
	| 'server_error';

/** `text` is the human-readable form of every reply, the line text mode prints after `ok: `. */
type OkBase = {readonly type: 'ok'; readonly id?: RequestId; readonly text: string};

export type OkReply =
	/** `stored`: a `/msg` to an offline user, kept for their next login. */
	| (OkBase & {readonly command: 'msg' | 'broadcast' | 'group_msg' | 'me'; readonly message: ChatMessage; readonly recipients: number; readonly stored?: true})
	/** `created`: `/join` made the group, which did not exist. */
	| (OkBase & {readonly command: 'create_group' | 'join_group' | 'leave_group' | 'join' | 'part'; readonly group: string; readonly created?: true})
	| (OkBase & {readonly command: 'users'; readonly users: readonly UserInfo[]})
	/** One page of the listing: `page` of `pages` (1-based), `total` groups or members in all (after the filter). */
	| (OkBase & {readonly command: 'groups'; readonly groups: readonly GroupInfo[]; readonly filter?: string; readonly page?: number; readonly pages?: number; readonly total?: number})
	| (OkBase & {readonly command: 'members'; readonly group: string; readonly members: readonly MemberInfo[]; readonly page?: number; readonly pages?: number; readonly total?: number})
	/** Oldest first. `more`: there are further messages past this page in the direction asked. */
	| (OkBase & {readonly command: 'history'; readonly conversation: ConversationName; readonly messages: readonly ChatMessage[]; readonly more: boolean})
	| (OkBase & {readonly command: 'read'; readonly conversation: ConversationName; readonly seq: number})
	| (OkBase & {readonly command: 'sessions'; readonly sessions: readonly SessionInfo[]})
	| (OkBase & {readonly command: 'logout_others'; readonly ended: number})
	| (OkBase & {readonly command: 'help' | 'exit'});

export type ErrorReply = {
	readonly type: 'error';
	readonly id?: RequestId;
	readonly code: ErrorCode;
	readonly message: string;
	/** The command that failed, when the line parsed far enough to know it. */
	readonly command?: CommandName;
};

/** Everything the server sends in JSON mode, one object per line. */
export type ServerEvent =
	| {readonly type: 'welcome'; readonly protocol: number; readonly server: 'natter'; readonly version: string}
	/** `conversations`: the user's groups, DM partners and `*`, with read markers (JSON mode). */
	| {readonly type: 'login_ok'; readonly id?: RequestId; readonly user: string; readonly text: string; readonly conversations?: readonly ConversationSummary[]}
	| OkReply
	| ErrorReply
	| ChatMessage
	| {readonly type: 'presence'; readonly user: string; readonly online: boolean; readonly ts: string}
	| {readonly type: 'membership'; readonly group: string; readonly user: string; readonly joined: boolean; readonly ts: string}
	| {readonly type: 'notice'; readonly text: string}
	/** Resume: messages with after < seq < before were not sent (more than the cap were missed); page them with /history. */
	| {readonly type: 'gap'; readonly conversation: ConversationName; readonly after: number; readonly before: number; readonly skipped: number}
	/** Resume is over: every missed message (and gap) before this, live messages after it. */
	| {readonly type: 'resumed'; readonly messages: number; readonly gaps: number}
	/** The user's read marker moved (from another session, or /read). */
	| {readonly type: 'read'; readonly conversation: ConversationName; readonly seq: number}
	| {readonly type: 'pong'; readonly id?: RequestId; readonly ts: string}
	| {readonly type: 'bye'; readonly reason: ByeReason; readonly text: string};

export type ServerEventType = ServerEvent['type'];

export type ByeReason = 'exit' | 'shutdown' | 'too_many_attempts' | 'login_timeout' | 'slow_reader' | 'line_overflow' | 'replaced'
	/** Too many lines answered with an error before login, or too many refused for flood control in a row. */
	| 'excess_flood'
	/** Refused at connect: the address has too many connections open, or opened too many lately. Sent as a JSON line in either mode. */
	| 'too_many_connections'
	/** The account was removed from the users file, or its password changed (on the server's reload). */
	| 'revoked'
	/** Another session of the same user sent `/logout_others`. */
	| 'logged_out'
	/** IRC: the client answered neither its lines nor the server's PING in time. */
	| 'ping_timeout';

/** Everything a JSON-mode client may send, one object per line. */
export type ClientRequest =
	| {readonly type: 'hello'; readonly protocol?: number; readonly client?: string; readonly presence?: boolean; readonly resume?: ResumePoints}
	| {readonly type: 'login'; readonly id?: RequestId; readonly user: string; readonly password: string; readonly resume?: ResumePoints}
	| {readonly type: 'command'; readonly id?: RequestId; readonly line: string}
	| {readonly type: 'mark_read'; readonly id?: RequestId; readonly conversation: string; readonly seq?: number}
	| {readonly type: 'ping'; readonly id?: RequestId};

export type RequestParseResult =
	| {readonly ok: true; readonly request: ClientRequest}
	| {readonly ok: false; readonly error: {readonly code: 'bad_json' | 'bad_request'; readonly message: string; readonly id?: RequestId}};

const maxIdLength = 64;

function parseResume(value: unknown): ResumePoints | string {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return '"resume" must be an object of conversation to seq, such as {"#dev": 41, "@bob": 7, "*": 0}';
	}

	const entries = Object.entries(value);
	if (entries.length > MAX_RESUME_CONVERSATIONS) {
		return `"resume" may name at most ${MAX_RESUME_CONVERSATIONS} conversations`;
	}

	const points: Record<string, number> = {};
	for (const [key, seq] of entries) {
		const conversation = parseConversation(key);
		if (!conversation.ok) {
			return `"resume" key ${JSON.stringify(key.slice(0, 40))}: ${conversation.message}`;
		}

		if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
			return `"resume" seq for ${conversation.name} must be a whole number >= 0`;
		}

		points[conversation.name] = Math.max(points[conversation.name] ?? 0, seq);
	}

	return points;
}

function isRequestId(value: unknown): value is RequestId {
	return (typeof value === 'string' && value.length <= maxIdLength) || (typeof value === 'number' && Number.isFinite(value));
}

/** Validate one JSON-mode line from a client. Unknown fields are ignored; wrong types are errors. */
export function parseClientRequest(line: string): RequestParseResult {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		return {ok: false, error: {code: 'bad_json', message: 'not valid JSON: JSON mode takes one JSON object per line'}};
	}

	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return {ok: false, error: {code: 'bad_request', message: 'a request is a JSON object with a "type" field'}};
	}

	const object = value as Record<string, unknown>;
	const {type, id} = object;
	if (id !== undefined && !isRequestId(id)) {
		return {ok: false, error: {code: 'bad_request', message: `"id" must be a number or a string of at most ${maxIdLength} characters`}};
	}

	const bad = (message: string): RequestParseResult => ({ok: false, error: id === undefined ? {code: 'bad_request', message} : {code: 'bad_request', message, id}});
	const withId = <T extends object>(request: T): T & {id?: RequestId} => (id === undefined ? request : {...request, id});

	switch (type) {
		case 'hello': {
			const {protocol, client, presence} = object;
			const resume = object['resume'] === undefined ? undefined : parseResume(object['resume']);
			if (typeof resume === 'string') {
				return bad(resume);
			}

			if (protocol !== undefined && typeof protocol !== 'number') {
				return bad('"protocol" must be a number');
			}

			if (presence !== undefined && typeof presence !== 'boolean') {
				return bad('"presence" must be true or false');
			}

			if (client !== undefined && typeof client !== 'string') {
				return bad('"client" must be a string');
			}

			return {ok: true, request: {
				type: 'hello',
				...(protocol === undefined ? {} : {protocol}),
				...(client === undefined ? {} : {client: client.slice(0, 100)}),
				...(presence === undefined ? {} : {presence}),
				...(resume === undefined ? {} : {resume}),
			}};
		}

		case 'login': {
			const {user, password} = object;
			if (typeof user !== 'string' || typeof password !== 'string') {
				return bad('login needs string fields "user" and "password"');
			}

			const resume = object['resume'] === undefined ? undefined : parseResume(object['resume']);
			if (typeof resume === 'string') {
				return bad(resume);
			}

			return {ok: true, request: withId(resume === undefined ? {type: 'login', user, password} : {type: 'login', user, password, resume})};
		}

		case 'command': {
			const {line: commandLine} = object;
			if (typeof commandLine !== 'string') {
				return bad('command needs a string field "line", such as "/users"');
			}

			return {ok: true, request: withId({type: 'command', line: commandLine})};
		}

		case 'mark_read': {
			const {conversation, seq} = object;
			if (typeof conversation !== 'string') {
				return bad('mark_read needs a string field "conversation" (#group, @user or *)');
			}

			if (seq !== undefined && (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)) {
				return bad('"seq" must be a whole number >= 0');
			}

			return {ok: true, request: withId(seq === undefined ? {type: 'mark_read', conversation} : {type: 'mark_read', conversation, seq})};
		}

		case 'ping': {
			return {ok: true, request: withId({type: 'ping'})};
		}

		default: {
			return bad('"type" must be one of hello, login, command, mark_read, ping');
		}
	}
}

const serverEventTypes = new Set<string>([
	'welcome', 'login_ok', 'ok', 'error', 'msg', 'broadcast', 'group_msg', 'presence', 'membership', 'notice', 'pong', 'bye', 'gap', 'resumed', 'read',
]);

/**
Read one JSON-mode line from the server. Returns undefined for anything that is not an event
object (a client skips the text-mode greeting this way). Field contents are trusted to the
server's types, but text shown on a terminal must still go through `sanitizeText`.
*/
export function parseServerEvent(line: string): ServerEvent | undefined {
	if (!line.startsWith('{')) {
		return undefined;
	}

	try {
		const value: unknown = JSON.parse(line);
		if (typeof value === 'object' && value !== null && serverEventTypes.has((value as {type?: unknown}).type as string)) {
			return value as ServerEvent;
		}
	} catch {}

	return undefined;
}

/** One event as the bytes of one JSON-mode line. */
export function encodeEvent(event: ServerEvent | ClientRequest): string {
	return `${JSON.stringify(event)}\n`;
}

export function isChatMessage(event: ServerEvent): event is ChatMessage {
	return event.type === 'msg' || event.type === 'broadcast' || event.type === 'group_msg';
}
