import type {CommandName, ParseErrorCode} from './commands.js';

/** Chosen by a JSON-mode client to match a reply to its request; echoed back unchanged. */
export type RequestId = string | number;

/** A chat message as delivered: the server sets `id`, `ts` (ISO 8601, UTC) and `from`. */
export type PrivateMessage = {
	readonly type: 'msg';
	readonly id: number;
	readonly ts: string;
	readonly from: string;
	readonly to: string;
	readonly text: string;
};

export type BroadcastMessage = {
	readonly type: 'broadcast';
	readonly id: number;
	readonly ts: string;
	readonly from: string;
	readonly text: string;
};

export type GroupMessage = {
	readonly type: 'group_msg';
	readonly id: number;
	readonly ts: string;
	readonly from: string;
	readonly group: string;
	readonly text: string;
};

export type ChatMessage = PrivateMessage | BroadcastMessage | GroupMessage;

export type UserInfo = {readonly name: string; readonly sessions: number};
export type GroupInfo = {readonly name: string; readonly members: number; readonly joined: boolean};
export type MemberInfo = {readonly name: string; readonly online: boolean};

export type ErrorCode =
	| ParseErrorCode
	| 'not_logged_in'
	| 'already_logged_in'
	| 'auth_failed'
	| 'too_many_attempts'
	| 'unknown_user'
	| 'offline'
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
	| 'server_error';

/** `text` is the human-readable form of every reply, the line text mode prints after `ok: `. */
type OkBase = {readonly type: 'ok'; readonly id?: RequestId; readonly text: string};

export type OkReply =
	| (OkBase & {readonly command: 'msg' | 'broadcast' | 'group_msg'; readonly message: ChatMessage; readonly recipients: number})
	| (OkBase & {readonly command: 'create_group' | 'join_group' | 'leave_group'; readonly group: string})
	| (OkBase & {readonly command: 'users'; readonly users: readonly UserInfo[]})
	| (OkBase & {readonly command: 'groups'; readonly groups: readonly GroupInfo[]})
	| (OkBase & {readonly command: 'members'; readonly group: string; readonly members: readonly MemberInfo[]})
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
	| {readonly type: 'login_ok'; readonly id?: RequestId; readonly user: string; readonly text: string}
	| OkReply
	| ErrorReply
	| ChatMessage
	| {readonly type: 'presence'; readonly user: string; readonly online: boolean; readonly ts: string}
	| {readonly type: 'membership'; readonly group: string; readonly user: string; readonly joined: boolean; readonly ts: string}
	| {readonly type: 'notice'; readonly text: string}
	| {readonly type: 'pong'; readonly id?: RequestId; readonly ts: string}
	| {readonly type: 'bye'; readonly reason: ByeReason; readonly text: string};

export type ServerEventType = ServerEvent['type'];

export type ByeReason = 'exit' | 'shutdown' | 'too_many_attempts' | 'login_timeout' | 'slow_reader' | 'line_overflow' | 'replaced';

/** Everything a JSON-mode client may send, one object per line. */
export type ClientRequest =
	| {readonly type: 'hello'; readonly protocol?: number; readonly client?: string; readonly presence?: boolean}
	| {readonly type: 'login'; readonly id?: RequestId; readonly user: string; readonly password: string}
	| {readonly type: 'command'; readonly id?: RequestId; readonly line: string}
	| {readonly type: 'ping'; readonly id?: RequestId};

export type RequestParseResult =
	| {readonly ok: true; readonly request: ClientRequest}
	| {readonly ok: false; readonly error: {readonly code: 'bad_json' | 'bad_request'; readonly message: string; readonly id?: RequestId}};

const maxIdLength = 64;

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
			if (protocol !== undefined && typeof protocol !== 'number') {
				return bad('"protocol" must be a number');
			}

			if (presence !== undefined && typeof presence !== 'boolean') {
				return bad('"presence" must be true or false');
			}

			if (client !== undefined && typeof client !== 'string') {
				return bad('"client" must be a string');
			}

			return {ok: true, request: {type: 'hello', ...(protocol === undefined ? {} : {protocol}), ...(client === undefined ? {} : {client: client.slice(0, 100)}), ...(presence === undefined ? {} : {presence})}};
		}

		case 'login': {
			const {user, password} = object;
			if (typeof user !== 'string' || typeof password !== 'string') {
				return bad('login needs string fields "user" and "password"');
			}

			return {ok: true, request: withId({type: 'login', user, password})};
		}

		case 'command': {
			const {line: commandLine} = object;
			if (typeof commandLine !== 'string') {
				return bad('command needs a string field "line", such as "/users"');
			}

			return {ok: true, request: withId({type: 'command', line: commandLine})};
		}

		case 'ping': {
			return {ok: true, request: withId({type: 'ping'})};
		}

		default: {
			return bad('"type" must be one of hello, login, command, ping');
		}
	}
}

const serverEventTypes = new Set<string>([
	'welcome', 'login_ok', 'ok', 'error', 'msg', 'broadcast', 'group_msg', 'presence', 'membership', 'notice', 'pong', 'bye',
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
