import {Buffer} from 'node:buffer';
import process from 'node:process';
import type {Duplex} from 'node:stream';
import {
	encodeEvent,
	HARD_LINE_CAP_BYTES,
	LineFramer,
	MAX_LINE_BYTES,
	nameProblem,
	normalizeName,
	parseClientRequest,
	parseCommand,
	PROTOCOL_VERSION,
	type ByeReason,
	type ErrorCode,
	type Frame,
	type RequestId,
	type ServerEvent,
} from '../../source/protocol/index.js';
import type {ChatCore} from '../core/chat-core.js';
import type {Reply} from '../core/context.js';
import type {OutboundEvent} from '../core/outbound.js';
import {renderTextLine} from '../core/render-text.js';
import type {SessionSink} from '../core/session.js';
import type {Logger} from '../log.js';
import type {LoginThrottle} from './login-throttle.js';
import {joinChunks, scheduleFlush} from './flush-queue.js';
import {TokenBucket} from './token-bucket.js';

export type ConnectionLimits = {
	readonly loginTimeoutMs: number;
	readonly maxOutboundBytes: number;
	readonly rate: number;
	readonly burst: number;
	readonly maxLoginAttempts: number;
	/** How long a closing connection may take to flush before it is cut. */
	readonly closeGraceMs: number;
};

/** What every connection shares: the core, the password check, the limits. */
export type ConnectionContext = {
	readonly core: ChatCore;
	readonly verify: (user: string, password: string) => Promise<boolean>;
	readonly throttle: LoginThrottle;
	readonly logger: Logger;
	readonly limits: ConnectionLimits;
	readonly version: string;
	readonly onClosed: (connection: Connection) => void;
};

type Mode = 'text' | 'json';

let lastConnectionId = 0;

/** A read at least this big means the peer has more waiting: the rest is read next turn. */
const bulkReadBytes = 16 * 1024;

/** How far past maxOutboundBytes a single tick may write before the flush is even tried. */
const burstAllowance = 8;

const byeTexts: Record<ByeReason, string> = {
	exit: 'goodbye',
	shutdown: 'the server is shutting down',
	too_many_attempts: 'too many failed logins',
	login_timeout: 'no login in time',
	slow_reader: 'you were not reading what the server sent',
	line_overflow: `a line longer than ${HARD_LINE_CAP_BYTES} bytes: not the natter protocol`,
	replaced: 'this session was replaced',
};

function sleep(ms: number): Promise<void> {
	return new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

/** A user name fit for a log line: only well-formed names, so a password typed as a name never reaches the log. */
function loggableName(name: string): string {
	return nameProblem(name, 'user') === undefined ? normalizeName(name) : '(invalid)';
}

/**
One client connection over any duplex stream: framing, the text or JSON dialect, login, flood
control and a bounded, per-tick coalesced outbound buffer. Once logged in it is the core's sink.
*/
export class Connection implements SessionSink {
	readonly id = ++lastConnectionId;
	readonly remote: string;
	user = '';
	readonly #stream: Duplex;
	readonly #context: ConnectionContext;
	readonly #framer = new LineFramer({maxLineBytes: MAX_LINE_BYTES, hardCapBytes: HARD_LINE_CAP_BYTES});
	readonly #bucket: TokenBucket;
	#mode: Mode = 'text';
	/** A JSON client asked for presence events in its `hello`. */
	#presenceRequested = false;
	#textPhase: 'username' | 'password' = 'username';
	#pendingUser = '';
	#loggedIn = false;
	#failedLogins = 0;
	/** A login is being checked: input is paused and later lines wait in the backlog, so replies stay in order. */
	#busy = false;
	#backlog: Frame[] = [];
	#inputEnded = false;
	#closing = false;
	#closed = false;
	#closeReason = 'peer_closed';
	/** This turn's output, written as one Buffer when the turn ends (see #flush). */
	readonly #pending: Buffer[] = [];
	#pendingBytes = 0;
	#flushScheduled = false;
	/** Input paused until the end of this event-loop turn (see #onData). */
	#yielding = false;
	#loginTimer: NodeJS.Timeout | undefined;
	#graceTimer: NodeJS.Timeout | undefined;
	#resolveClosed: () => void = () => {};
	/** Resolves once the stream is closed. */
	readonly closed: Promise<void>;

	constructor(stream: Duplex, context: ConnectionContext, remote: string) {
		this.closed = new Promise(resolve => {
			this.#resolveClosed = resolve;
		});
		this.#stream = stream;
		this.#context = context;
		this.remote = remote;
		this.#bucket = new TokenBucket(context.limits.rate, context.limits.burst);
		context.logger.log('info', 'connect', {conn: this.id, remote});
		stream.on('data', (chunk: Buffer) => {
			this.#onData(chunk);
		});
		stream.on('end', () => {
			this.#onEnd();
		});
		stream.on('error', (error: NodeJS.ErrnoException) => {
			if (!this.#closing) {
				this.#closeReason = `error ${error.code ?? error.message}`;
			}
		});
		stream.on('close', () => {
			this.#onClose();
		});
		this.#armLoginTimer();
		this.#write(`natter ${context.version}, protocol ${PROTOCOL_VERSION}. Log in, or send a JSON object for JSON mode.\nUsername: `);
	}

	/** Read by the core when the session is attached, so `hello` must come before `login`. */
	get watchesPresence(): boolean {
		return this.#mode === 'text' || this.#presenceRequested;
	}

	get loggedIn(): boolean {
		return this.#loggedIn;
	}

	/** The core's delivery: the event's shared bytes for this connection's mode. */
	deliver(event: OutboundEvent): void {
		this.#write(this.#mode === 'json' ? event.json : event.text);
	}

	/** Server shutdown: say bye, flush, close. */
	shutdown(): void {
		this.#closeWith('shutdown');
	}

	// --- output ---

	#write(bytes: Buffer | string): void {
		const stream = this.#stream;
		if (stream.destroyed || stream.writableEnded) {
			return;
		}

		// Coalesce: everything written during this event-loop turn leaves in one syscall. Shared
		// event bytes are only referenced here, never copied per recipient.
		const chunk = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
		this.#pending.push(chunk);
		this.#pendingBytes += chunk.length;
		if (!this.#flushScheduled) {
			this.#flushScheduled = true;
			scheduleFlush(this.#flush);
		}

		// One turn's output may briefly exceed the limit (it is judged after the flush), but never by this much.
		if (this.#pendingBytes + stream.writableLength > this.#context.limits.maxOutboundBytes * burstAllowance) {
			this.#dropSlowReader();
		}
	}

	/** Writes this turn's output; what the kernel would not take stays in writableLength, and that is what is bounded. */
	readonly #flush = (): void => {
		this.#flushScheduled = false;
		const pending = this.#pending;
		if (pending.length === 0) {
			return;
		}

		const bytes = joinChunks(pending, this.#pendingBytes);
		pending.length = 0;
		this.#pendingBytes = 0;
		const stream = this.#stream;
		if (stream.destroyed || stream.writableEnded) {
			return;
		}

		stream.write(bytes);
		if (stream.writableLength > this.#context.limits.maxOutboundBytes) {
			this.#dropSlowReader();
		}
	};

	#send(event: ServerEvent): void {
		this.#write(this.#mode === 'json' ? encodeEvent(event) : `${renderTextLine(event)}\n`);
	}

	#reply(reply: Reply, id: RequestId | undefined): void {
		this.#send(id === undefined ? reply : {...reply, id});
	}

	#error(code: ErrorCode, message: string, id?: RequestId): void {
		this.#send(id === undefined ? {type: 'error', code, message} : {type: 'error', id, code, message});
	}

	#prompt(): void {
		if (this.#mode === 'text' && !this.#loggedIn && !this.#closing) {
			this.#write(this.#textPhase === 'username' ? 'Username: ' : 'Password: ');
		}
	}

	#dropSlowReader(): void {
		if (this.#closed || this.#stream.destroyed) {
			return;
		}

		this.#closeReason = 'slow_reader';
		this.#context.logger.log('warn', 'slow_reader', {conn: this.id, user: this.user || undefined, buffered: this.#stream.writableLength + this.#pendingBytes, limit: this.#context.limits.maxOutboundBytes});
		this.#closing = true;
		this.#pending.length = 0;
		this.#pendingBytes = 0;
		// Whatever is queued would never be read: drop it, bye included. Destroyed with an error, the
		// stream fails its queued writes with that one error; without one it makes a new Error, stack
		// and all, for each queued write: ~0.5 s of CPU for 200 000 of them, stalling everyone else.
		this.#stream.destroy(new Error('slow reader dropped'));
	}

	#closeWith(reason: ByeReason, text = byeTexts[reason]): void {
		if (this.#closing) {
			return;
		}

		this.#closing = true;
		this.#closeReason = reason;
		clearTimeout(this.#loginTimer);
		this.#send({type: 'bye', reason, text});
		this.#leaveCore();
		this.#flush();
		this.#stream.end();
		// Keep reading (and discarding) until the peer closes, so unread input cannot turn the close into a reset.
		this.#stream.resume();
		this.#graceTimer = setTimeout(() => {
			this.#stream.destroy();
		}, this.#context.limits.closeGraceMs);
	}

	// --- input ---

	#onData(chunk: Buffer): void {
		if (this.#closing) {
			return;
		}

		this.#takeFrames(this.#framer.push(chunk));
		// A peer sending in bulk gets one read per event-loop turn, like everyone else. Otherwise one
		// turn may carry megabytes of a few senders' commands (libuv reads a ready socket up to 32
		// times), and the fan-out of that one turn overruns every reader's outbound bound at once.
		if (chunk.length >= bulkReadBytes && !this.#busy && !this.#yielding) {
			this.#yielding = true;
			this.#stream.pause();
			scheduleFlush(this.#resumeAfterTurn);
		}
	}

	readonly #resumeAfterTurn = (): void => {
		this.#yielding = false;
		if (!this.#busy && !this.#closing) {
			this.#stream.resume();
		}
	};

	#onEnd(): void {
		this.#inputEnded = true;
		if (!this.#closing) {
			this.#takeFrames(this.#framer.end());
			this.#finishIfDone();
		}
	}

	#takeFrames(frames: Frame[]): void {
		for (const frame of frames) {
			if (this.#busy) {
				this.#backlog.push(frame);
			} else if (!this.#closing) {
				this.#onFrame(frame);
			}
		}
	}

	/** The peer sent all it will send: once every reply is out, end our side too. */
	#finishIfDone(): void {
		if (this.#inputEnded && !this.#busy && !this.#closing) {
			this.#closing = true;
			this.#closeReason = 'peer_closed';
			clearTimeout(this.#loginTimer);
			this.#leaveCore();
			this.#flush();
			this.#stream.end();
		}
	}

	/** A bug in one command must cost that command, not the server: it is logged and answered with server_error. */
	#onFrame(frame: Frame): void {
		try {
			this.#handleFrame(frame);
		} catch (error) {
			this.#context.logger.log('error', 'error', {conn: this.id, user: this.user || undefined, during: 'command', message: error instanceof Error ? error.message : String(error)});
			this.#error('server_error', 'the server failed to carry this out');
		}
	}

	#handleFrame(frame: Frame): void {
		switch (frame.kind) {
			case 'line': {
				if (this.#mode === 'json') {
					this.#onJsonLine(frame.text);
				} else {
					this.#onTextLine(frame.text);
				}

				break;
			}

			case 'too_long': {
				this.#error('line_too_long', `line longer than ${MAX_LINE_BYTES} bytes, dropped`);
				this.#prompt();
				break;
			}

			case 'invalid_utf8': {
				this.#error('invalid_utf8', 'line is not valid UTF-8, dropped');
				this.#prompt();
				break;
			}

			case 'overflow': {
				this.#closeWith('line_overflow');
				break;
			}
		}
	}

	#onTextLine(line: string): void {
		if (this.#loggedIn) {
			if (line.trim() === '') {
				return;
			}

			if (this.#limited()) {
				return;
			}

			this.#runCommand(line, undefined);
			return;
		}

		if (this.#textPhase === 'username' && line.startsWith('{')) {
			this.#mode = 'json';
			this.#write('\n');
			this.#sendWelcome();
			this.#onJsonLine(line, true);
			return;
		}

		if (this.#limited()) {
			this.#prompt();
			return;
		}

		if (this.#textPhase === 'password') {
			this.#textPhase = 'username';
			this.#startLogin(this.#pendingUser, line, undefined);
			return;
		}

		const name = line.trim();
		if (name.startsWith('/')) {
			this.#error('not_logged_in', 'log in first');
		} else if (name !== '') {
			this.#pendingUser = name;
			this.#textPhase = 'password';
		}

		this.#prompt();
	}

	#onJsonLine(line: string, switching = false): void {
		if (line.trim() === '') {
			return;
		}

		const parsed = parseClientRequest(line);
		if (!parsed.ok) {
			this.#error(parsed.error.code, parsed.error.message, parsed.error.id);
			return;
		}

		const {request} = parsed;
		const id = request.type === 'hello' ? undefined : request.id;
		if (this.#limited(id)) {
			return;
		}

		switch (request.type) {
			case 'hello': {
				this.#presenceRequested = request.presence === true;
				if (request.protocol !== undefined && request.protocol !== PROTOCOL_VERSION) {
					this.#error('unsupported_protocol', `this server speaks protocol ${PROTOCOL_VERSION}, not ${request.protocol}`);
				} else if (!switching) {
					this.#sendWelcome();
				}

				break;
			}

			case 'login': {
				if (this.#loggedIn) {
					this.#error('already_logged_in', `already logged in as ${this.user}`, id);
				} else {
					this.#startLogin(request.user, request.password, id);
				}

				break;
			}

			case 'command': {
				if (this.#loggedIn) {
					this.#runCommand(request.line, id);
				} else {
					this.#error('not_logged_in', 'log in first', id);
				}

				break;
			}

			case 'ping': {
				this.#send(id === undefined ? {type: 'pong', ts: new Date().toISOString()} : {type: 'pong', id, ts: new Date().toISOString()});
				break;
			}
		}
	}

	/** Charges the flood bucket; when it is empty, answers rate_limited and returns true. */
	#limited(id?: RequestId): boolean {
		if (this.#bucket.take()) {
			return false;
		}

		const {rate, burst} = this.#context.limits;
		this.#error('rate_limited', `too many commands (limit: ${burst} at once, then ${rate} per second); this one was not carried out`, id);
		return true;
	}

	#sendWelcome(): void {
		this.#send({type: 'welcome', protocol: PROTOCOL_VERSION, server: 'natter', version: this.#context.version});
	}

	#runCommand(line: string, id: RequestId | undefined): void {
		const parsed = parseCommand(line);
		if (!parsed.ok) {
			this.#error(parsed.error.code, parsed.error.message, id);
			return;
		}

		const reply = this.#context.core.execute(this, parsed.command);
		this.#reply(reply, id);
		if (parsed.command.type === 'exit' && reply.type === 'ok') {
			this.#closeWith('exit');
		}
	}

	// --- login ---

	/** Closes the connection if no login arrives in time. Not running while a login is being checked. */
	#armLoginTimer(): void {
		clearTimeout(this.#loginTimer);
		const {loginTimeoutMs} = this.#context.limits;
		this.#loginTimer = setTimeout(() => {
			this.#closeWith('login_timeout', `no login within ${loginTimeoutMs < 1000 ? `${loginTimeoutMs} ms` : `${Math.round(loginTimeoutMs / 1000)} s`}`);
		}, loginTimeoutMs);
	}

	#startLogin(name: string, password: string, id: RequestId | undefined): void {
		this.#busy = true;
		this.#stream.pause();
		// The client has spoken: a login queued behind others for the bcrypt worker is not silence.
		clearTimeout(this.#loginTimer);
		this.#login(name, password, id).catch((error: unknown) => {
			this.#context.logger.log('error', 'error', {conn: this.id, during: 'login', message: error instanceof Error ? error.message : String(error)});
			if (!this.#closing) {
				this.#error('server_error', 'the login could not be checked; try again', id);
				this.#prompt();
			}
		}).finally(() => {
			this.#busy = false;
			if (!this.#loggedIn && !this.#closing) {
				this.#armLoginTimer();
			}

			this.#resumeInput();
		});
	}

	async #login(name: string, password: string, id: RequestId | undefined): Promise<void> {
		const {logger, limits} = this.#context;
		const accepted = await this.#context.verify(name, password);
		if (this.#closing) {
			return;
		}

		if (accepted) {
			this.#loggedIn = true;
			this.user = normalizeName(name);
			clearTimeout(this.#loginTimer);
			const {core} = this.#context;
			core.attach(this);
			const text = `welcome ${this.user}. ${core.onlineCount} ${core.onlineCount === 1 ? 'user' : 'users'} online. Type /help for the commands.`;
			this.#send(id === undefined ? {type: 'login_ok', user: this.user, text} : {type: 'login_ok', id, user: this.user, text});
			logger.log('info', 'login_ok', {conn: this.id, user: this.user, mode: this.#mode});
			return;
		}

		this.#failedLogins++;
		const delayMs = this.#context.throttle.fail(this.remote);
		logger.log('warn', 'login_failed', {conn: this.id, remote: this.remote, user: loggableName(name), attempt: this.#failedLogins, delay_ms: delayMs});
		await sleep(delayMs);
		if (this.#closing) {
			return;
		}

		const left = limits.maxLoginAttempts - this.#failedLogins;
		if (left <= 0) {
			this.#error('auth_failed', 'invalid username or password', id);
			this.#closeWith('too_many_attempts');
			return;
		}

		this.#error('auth_failed', `invalid username or password (${left} ${left === 1 ? 'attempt' : 'attempts'} left)`, id);
		this.#prompt();
	}

	#resumeInput(): void {
		if (this.#closing) {
			return;
		}

		const backlog = this.#backlog;
		this.#backlog = [];
		for (const [index, frame] of backlog.entries()) {
			if (this.#busy) {
				// Another login started: the rest waits for it.
				this.#backlog = backlog.slice(index);
				return;
			}

			if (this.#closing) {
				return;
			}

			this.#onFrame(frame);
		}

		if (!this.#busy) {
			this.#stream.resume();
			this.#finishIfDone();
		}
	}

	// --- teardown ---

	#leaveCore(): void {
		if (this.#loggedIn) {
			this.#loggedIn = false;
			this.#context.core.detach(this);
		}
	}

	#onClose(): void {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		// A login still being checked must not attach a session that is already gone.
		this.#closing = true;
		clearTimeout(this.#loginTimer);
		clearTimeout(this.#graceTimer);
		this.#leaveCore();
		this.#context.logger.log('info', 'disconnect', {conn: this.id, user: this.user || undefined, reason: this.#closeReason});
		this.#context.onClosed(this);
		this.#resolveClosed();
	}
}
