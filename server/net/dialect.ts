import type {Buffer} from 'node:buffer';
import type {ByeReason, Command, ConversationName, ErrorCode, RequestId, ResumePoints, ServerEvent} from '../../source/protocol/index.js';
import type {Encoder} from '../core/envelope.js';

/** Turns a command's reply into the bytes written for it (a dialect whose replies depend on what was asked: IRC). */
export type Render = (reply: ServerEvent) => string | Buffer;

/** What a dialect may ask of its connection: the parts every wire protocol shares. */
export type DialectHost = {
	readonly loggedIn: boolean;
	/** The logged-in user ('' before login). */
	readonly user: string;
	/** The server's version, for greetings. */
	readonly version: string;
	/** Users with at least one session (IRC's LUSERS). */
	readonly usersOnline: number;
	/** Encoded by the connection's current dialect. */
	sendEvent(event: ServerEvent): void;
	sendText(text: string): void;
	error(code: ErrorCode, message: string, id?: RequestId): void;
	/** Charges the flood bucket; when it is empty, answers rate_limited and returns true. */
	limited(id?: RequestId): boolean;
	/** Checks the password (throttled), attaches the session, replies, then sends what it missed. */
	/** `beforeAttach`: once the password is accepted, the session starts when this resolves (IRC's SASL, before the client ends its registration). */
	login(name: string, password: string, options: {readonly id?: RequestId; readonly resume?: ResumePoints; readonly beforeAttach?: () => Promise<void>}): Promise<void>;
	/** Parses and runs one command line, then replies. */
	command(line: string, id?: RequestId): void | Promise<void>;
	/** Runs a parsed command; `render` makes the bytes of its reply, written in command order. */
	execute(command: Command, render: Render): void | Promise<void>;
	/** Runs a command and hands its reply back, writing nothing. */
	run(command: Command): Promise<ServerEvent>;
	/** Writes what `output` resolves to, in command order. */
	respond(output: Promise<string>): Promise<void>;
	/** Says bye (as the dialect encodes it) and closes. */
	end(reason: ByeReason, text?: string): void;
	markRead(conversation: ConversationName, seq: number | undefined, id?: RequestId): Promise<void>;
	/** From now on this dialect reads and writes the connection. */
	switchTo(dialect: Dialect): void;
};

/**
One wire protocol over a connection: how its lines are read (login flow, requests, commands) and
how events are written. A new protocol (IRC) is a new dialect; framing, flood control and the
outbound queue stay the transport's.
*/
export type Dialect = {
	readonly name: string;
	readonly encoder: Encoder;
	/** One line from the client. A returned promise holds later lines back until it settles. */
	onLine(line: string): void | Promise<void>;
	/** After an error the client caused outside a command (a line too long, invalid UTF-8, a failed login). */
	afterError(): void;
	/** Whether this session hears presence events. */
	readonly watchesPresence: boolean;
	/** An event reached this session (after its bytes): for a dialect that answers some events itself (IRC's NAMES after its user's JOIN elsewhere). */
	heard?(event: ServerEvent): void;
	/** The connection closed (timers to stop). */
	closed?(): void;
};
