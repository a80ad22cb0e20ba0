import {performance} from 'node:perf_hooks';
import type {Duplex} from 'node:stream';
import {
	HARD_LINE_CAP_BYTES,
	isChatMessage,
	MAX_LINE_BYTES,
	nameProblem,
	normalizeName,
	parseCommand,
	PROTOCOL_VERSION,
	type ByeReason,
	type Command,
	type ConversationName,
	type ConversationSummary,
	type ErrorCode,
	type Frame,
	type RequestId,
	type ResumePoints,
	type ServerEvent,
} from '../../source/protocol/index.js';
import type {ChatCore, LoginResult} from '../core/chat-core.js';
import {Envelope} from '../core/envelope.js';
import {viewerName} from '../core/conversations.js';
import {HeldDeliveries} from '../core/held-deliveries.js';
import {conversationIdOf, type ConversationId} from '../core/store.js';
import type {SessionDescription, SessionSink} from '../core/session.js';
import type {Logger} from '../log.js';
import type {ServerCounters} from '../ops/counters.js';
import type {Dialect, DialectHost, Render} from './dialect.js';
import {exemptLease, type AddressLease} from './address-limits.js';
import type {ConnectionGuard} from './guard.js';
import type {CancelSignal} from './login-gate.js';
import type {LoginThrottle} from './login-throttle.js';
import type {UserLease} from './user-limits.js';
import {TextDialect} from './text-dialect.js';
import {TokenBucket} from './token-bucket.js';
import {Transport, type TransportHandler, type TransportLimits} from './transport.js';

export type ConnectionLimits = {
	readonly loginTimeoutMs: number;
	readonly maxOutboundBytes: number;
	readonly rate: number;
	readonly burst: number;
	readonly maxLoginAttempts: number;
	/** How long a closing connection may take to flush before it is cut. */
	readonly closeGraceMs: number;
	/**
	Replies all connections may have waiting for their commands' commits before a session's next
	line waits for its own reply (so input stays in the kernel's buffers). Without it an overloaded
	server kept reading: one commit grew to ~25 000 messages (~250 ms), everything waiting for it
	outlived V8's young generation, and GC took a third of the CPU: the server delivered a fifth of
	what it did at its knee.
	*/
	readonly maxRepliesWaiting: number;
};

/** What every connection of one server shares: the core, the password check, the limits, the id counter. */
export type ConnectionContext = {
	readonly core: ChatCore;
	readonly verify: (user: string, password: string) => Promise<boolean>;
	readonly throttle: LoginThrottle;
	readonly logger: Logger;
	readonly limits: ConnectionLimits;
	readonly version: string;
	readonly nextId: () => number;
	readonly counters: ServerCounters;
	/** Per-address, per-user and per-account limits, and the login-check queue (guard.ts). */
	readonly guard: ConnectionGuard;
	readonly onClosed: (connection: Connection) => void;
	/** Replies the server's connections wait for, all together (see `ConnectionLimits.maxRepliesWaiting`). */
	readonly waiting: {count: number};
};

/** A listener's own wire protocol (IRC): the dialect from the first byte, and its line limit. */
export type ConnectionEdge = {
	readonly dialect: (host: DialectHost) => Dialect;
	readonly maxLineBytes: number;
};

/** Transport limits by the server's limits and the line limit: one object shared by all such connections, not one each. */
const transportLimitsOf = new WeakMap<ConnectionLimits, Map<number, TransportLimits>>();

function transportLimits(limits: ConnectionLimits, maxLineBytes: number): TransportLimits {
	let byLineLimit = transportLimitsOf.get(limits);
	if (!byLineLimit) {
		byLineLimit = new Map();
		transportLimitsOf.set(limits, byLineLimit);
	}

	let shared = byLineLimit.get(maxLineBytes);
	if (!shared) {
		shared = {maxLineBytes, hardCapBytes: HARD_LINE_CAP_BYTES, maxOutboundBytes: limits.maxOutboundBytes, closeGraceMs: limits.closeGraceMs};
		byLineLimit.set(maxLineBytes, shared);
	}

	return shared;
}

/** Commands of one session waiting for their commits at once; past it the next line waits. */
const maxCommandsInFlight = 64;

/** Live events kept back while a backlog is sent; past this the session cannot keep up and is dropped. */
const maxHeld = 50_000;

const byeTexts: Record<ByeReason, string> = {
	exit: 'goodbye',
	shutdown: 'the server is shutting down',
	too_many_attempts: 'too many failed logins',
	login_timeout: 'no login in time',
	slow_reader: 'you were not reading what the server sent',
	line_overflow: `a line longer than ${HARD_LINE_CAP_BYTES} bytes: not the natter protocol`,
	replaced: 'this session was replaced',
	revoked: 'your account was removed or its password changed',
	logged_out: 'another of your sessions logged you out',
	excess_flood: 'too many lines the server had to refuse',
	too_many_connections: 'too many connections from your address',
	ping_timeout: 'no answer to the server\'s ping',
};

/** Errors the server caused, or that have their own limit: not counted against a connection before login. */
const uncountedErrors: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['server_error', 'unavailable', 'auth_failed', 'busy', 'throttled', 'too_many_sessions']);

function sleep(ms: number): Promise<void> {
	return new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}

/**
What one login wait (a check waiting for a bcrypt worker, IRC's SASL wait) is cancelled by: the
connection's close, and, when `onInputEnd`, the end of the peer's input. The parts of an AbortSignal
the login gate uses, without an AbortController: in Node 20 each AbortSignal gets a hidden class of
its own, ~1 KiB per login, most of it straight into the old generation.
*/
class LoginCancel implements CancelSignal {
	aborted = false;
	readonly onInputEnd: boolean;
	#listeners: Array<() => void> | undefined;

	constructor(onInputEnd: boolean) {
		this.onInputEnd = onInputEnd;
	}

	addEventListener(_type: 'abort', listener: () => void): void {
		(this.#listeners ??= []).push(listener);
	}

	removeEventListener(_type: 'abort', listener: () => void): void {
		const index = this.#listeners?.indexOf(listener) ?? -1;
		if (index !== -1) {
			this.#listeners!.splice(index, 1);
		}
	}

	/** Calls each listener once (as `{once: true}` would). */
	abort(): void {
		if (this.aborted) {
			return;
		}

		this.aborted = true;
		const listeners = this.#listeners ?? [];
		this.#listeners = undefined;
		for (const listener of listeners) {
			listener();
		}
	}
}

/** The key the per-account throttle counts a login under: the name as the users file would know it. */
function accountKey(name: string): string {
	return nameProblem(name, 'user') === undefined ? normalizeName(name) : `(invalid) ${name.toLowerCase().slice(0, 64)}`;
}

/** A user name fit for a log line: only well-formed names, so a password typed as a name never reaches the log. */
function loggableName(name: string): string {
	return nameProblem(name, 'user') === undefined ? normalizeName(name) : '(invalid)';
}

function unreadSummary(conversations: readonly ConversationSummary[]): string {
	const unread = conversations.filter(conversation => conversation.unread > 0);
	if (unread.length === 0) {
		return '';
	}

	const listed = unread.slice(0, 5).map(conversation => `${conversation.unread} in ${conversation.conversation}`).join(', ');
	return ` Unread: ${listed}${unread.length > 5 ? `, and ${unread.length - 5} more conversations` : ''}.`;
}

/**
One client connection: a transport (bytes, framing, outbound queue) speaking one dialect (text,
then maybe JSON), the login, flood control, and, once logged in, the core's session sink.
*/
export class Connection implements SessionSink, DialectHost, TransportHandler {
	readonly id: number;
	readonly remote: string;
	user = '';
	readonly #context: ConnectionContext;
	readonly #transport: Transport;
	readonly #bucket: TokenBucket;
	#dialect: Dialect;
	#loggedIn = false;
	#failedLogins = 0;
	/** When the login succeeded. */
	#since = '';
	readonly #held = new HeldDeliveries(maxHeld);
	/** Replies waiting for an earlier command's reply (see #inOrder), and the last of them. */
	#queued = 0;
	#replies: Promise<void> | undefined;
	#loginTimer: NodeJS.Timeout | undefined;
	/** This connection's hold on its address's counters (released at close). */
	readonly #address: AddressLease;
	/** Its user's session place and shared flood bucket, once logged in. */
	#userLease: UserLease | undefined;
	/** Set at close: a login check still waiting for a worker is dropped. */
	#aborted = false;
	/** Set when the peer sends its last byte: a login check still waiting for a worker is answered busy instead. */
	#inputEnded = false;
	/** The login checks (and SASL waits) in progress: made per login and let go after it, so an idle connection holds none. */
	#loginWaits: LoginCancel[] | undefined;
	/** Whether the frame being handled found tokens in every bucket (charged once per frame, in `onFrame`). */
	#frameAllowed = true;
	/** Lines answered with an error before login. */
	#errorsBeforeLogin = 0;
	/** Lines refused for flood control since the last one that was not. */
	#refusedInARow = 0;
	/** Text mode: the newest seq printed per conversation, marked read when the session ends (see #noteShown). */
	#shown: Map<ConversationId, number> | undefined;

	constructor(stream: Duplex, context: ConnectionContext, remote: string, address?: AddressLease, edge?: ConnectionEdge) {
		this.id = context.nextId();
		this.#context = context;
		this.remote = remote;
		this.#address = address ?? exemptLease(remote);
		this.#bucket = new TokenBucket(context.limits.rate, context.limits.burst);
		this.#dialect = edge ? edge.dialect(this) : new TextDialect(this);
		this.#transport = new Transport(stream, transportLimits(context.limits, edge?.maxLineBytes ?? MAX_LINE_BYTES), context.counters);
		context.logger.log('info', 'connect', {conn: this.id, remote});
		// The connection is its transport's handler (methods, not one closure per event per connection).
		this.#transport.start(this);
		this.#armLoginTimer();
		if (!edge) {
			this.sendText(`natter ${context.version}, protocol ${PROTOCOL_VERSION}. Log in, or send a JSON object for JSON mode.\nUsername: `);
		}
	}

	/** Resolves once the stream is closed. */
	get closed(): Promise<void> {
		return this.#transport.closed;
	}

	get version(): string {
		return this.#context.version;
	}

	get usersOnline(): number {
		return this.#context.core.onlineCount;
	}

	get loggedIn(): boolean {
		return this.#loggedIn;
	}

	/** The dialect once logged in (`text`, `json`), `login` before. */
	get mode(): string {
		return this.#loggedIn ? this.#dialect.name : 'login';
	}

	/** Read by the core when the session logs in, so `hello` must come before `login`. */
	get watchesPresence(): boolean {
		return this.#dialect.watchesPresence;
	}

	// --- SessionSink: what the core delivers ---

	deliver(envelope: Envelope): void {
		const outcome = this.#held.offer(envelope);
		if (outcome === 'pass') {
			this.#context.counters.deliveries++;
			this.#transport.write(envelope.bytes(this.#dialect.encoder));
			this.#dialect.heard?.(envelope.event);
			if (this.#dialect.name === 'text') {
				this.#noteShown(envelope.event);
			}
		} else if (outcome === 'overflow') {
			this.#transport.close('slow_reader');
		}
	}

	send(envelope: Envelope): void {
		this.#transport.write(envelope.bytes(this.#dialect.encoder));
		if (this.#dialect.name === 'text') {
			this.#noteShown(envelope.event);
		}
	}

	/**
	A text-mode client (nc) prints every message it gets and has no way to say what it showed: what
	it was sent counts as read when the session ends, so its user's unread counts (at the next login,
	in a TUI) do not keep counting messages already seen there.
	*/
	#noteShown(event: ServerEvent): void {
		if (!isChatMessage(event)) {
			return;
		}

		const conversation = conversationIdOf(event);
		const shown = this.#shown ??= new Map();
		if ((shown.get(conversation) ?? 0) < event.seq) {
			shown.set(conversation, event.seq);
		}
	}

	#markShownRead(): void {
		const shown = this.#shown;
		this.#shown = undefined;
		if (shown === undefined || this.user === '') {
			return;
		}

		for (const [conversation, seq] of shown) {
			// The session is gone: nothing to answer; a store that cannot write now leaves the marker where it was.
			this.#context.core.execute(this, {type: 'read', conversation: viewerName(conversation, this.user), seq}).catch(() => undefined);
		}
	}

	hold(): void {
		this.#held.hold();
	}

	release(skip: (envelope: Envelope) => boolean): void {
		this.#held.release(skip, envelope => {
			this.deliver(envelope);
		});
	}

	async ready(): Promise<void> {
		return this.#transport.ready();
	}

	end(reason: ByeReason, text?: string): void {
		this.#closeWith(reason, text);
	}

	describe(): SessionDescription {
		return {id: this.id, mode: this.#dialect.name, address: this.remote, since: this.#since};
	}

	/** Server shutdown: say bye, flush, close. */
	shutdown(): void {
		this.#closeWith('shutdown');
	}

	// --- DialectHost: what the dialects ask for ---

	/** A reply or another event for this session alone: written after the replies still waiting for their commands. */
	sendEvent(event: ServerEvent): void {
		if (this.#queued === 0) {
			this.#transport.write(this.#dialect.encoder.encode(event));
		} else {
			void this.#inOrder(Promise.resolve(event));
		}
	}

	/**
	Writes `reply` (with `id`, when given) once it is there and every reply queued before it is
	written, so a session's replies keep the order of its commands while several commands wait
	for their commits. With nothing queued before it, it is written as soon as it is there.
	*/
	#inOrder(reply: Promise<ServerEvent>, id?: RequestId, after?: (event: ServerEvent) => void, render?: Render): Promise<void> {
		const previous = this.#queued === 0 ? undefined : this.#replies;
		this.#queued++;
		const waiting = this.#context.waiting;
		waiting.count++;
		const write = (event: ServerEvent): void => {
			this.#queued--;
			waiting.count--;
			try {
				this.#transport.write(render ? render(event) : this.#dialect.encoder.encode(event));
				after?.(event);
			} catch (error) {
				// As a failing frame handler: logged and answered, never left as an unhandled rejection.
				this.#context.logger.log('error', 'error', {conn: this.id, user: this.user || undefined, during: 'command', message: error instanceof Error ? error.message : String(error)});
				this.error('server_error', 'the server failed to carry this out');
			}
		};

		const failed = (error: unknown): ServerEvent => {
			this.#context.logger.log('error', 'error', {conn: this.id, user: this.user || undefined, during: 'command', message: error instanceof Error ? error.message : String(error)});
			return {type: 'error', code: 'server_error', message: 'the server failed to carry this out'};
		};

		const withId = (event: ServerEvent): ServerEvent => (id === undefined ? event : {...event, id} as ServerEvent);
		// One promise per reply when nothing waits before it (the common case); else it also waits for `previous`.
		const written = previous === undefined
			? reply.then(event => {
				write(withId(event));
			}, (error: unknown) => {
				write(failed(error));
			})
			: reply.then(withId, failed).then(async event => previous.then(() => {
				write(event);
			}));
		this.#replies = written;
		return written;
	}

	sendText(text: string): void {
		this.#transport.write(text);
	}

	error(code: ErrorCode, message: string, id?: RequestId): void {
		this.sendEvent(id === undefined ? {type: 'error', code, message} : {type: 'error', id, code, message});
		// Every reply costs the server; before login, a client that keeps earning errors is not a client.
		if (!this.#loggedIn && !uncountedErrors.has(code) && ++this.#errorsBeforeLogin >= this.#context.guard.limits.maxErrorsBeforeLogin) {
			this.#closeWith('excess_flood', `${this.#errorsBeforeLogin} lines answered with an error before login`);
		}
	}

	/** The frame being handled was charged in `onFrame`; when a bucket was empty, this answers rate_limited. */
	limited(id?: RequestId): boolean {
		if (this.#frameAllowed) {
			return false;
		}

		this.#context.counters.drops.flood++;
		this.#refusedInARow++;
		const {rate, burst} = this.#context.limits;
		this.error('rate_limited', `too many commands (limit: ${burst} at once, then ${rate} per second, shared by your sessions and your address); this one was not carried out`, id);
		if (this.#refusedInARow >= this.#context.guard.limits.maxRefusedInARow) {
			this.#closeWith('excess_flood', `${this.#refusedInARow} lines in a row over the flood limit`);
		}

		return true;
	}

	/** Charges one line to the session's, the user's and the address's buckets; false when one of them is empty. */
	#charge(): boolean {
		return this.#bucket.take() && (this.#userLease?.flood?.take() ?? true) && (this.#address.flood?.take() ?? true);
	}

	switchTo(dialect: Dialect): void {
		this.#dialect = dialect;
	}

	/** Nothing (the next line may start at once) when the command's write is already with the store, else when it may. */
	command(line: string, id?: RequestId): void | Promise<void> {
		const parsed = parseCommand(line);
		if (!parsed.ok) {
			this.error(parsed.error.code, parsed.error.message, id);
			return;
		}

		return this.execute(parsed.command, undefined, id);
	}

	/** Runs a parsed command; its reply is written (by `render` when given) in command order. */
	execute(command: Command, render?: Render, id?: RequestId): void | Promise<void> {
		this.#context.counters.command(command.type);
		let applied = false;
		let release: (() => void) | undefined;
		const execution = this.#context.core.execute(this, command, () => {
			applied = true;
			release?.();
		});
		const written = this.#inOrder(execution, id, command.type === 'exit' ? event => {
			if (event.type === 'ok') {
				this.#closeWith('exit');
			}
		} : undefined, render);
		// The next line may start once this command's write is with the store (its reply waits its
		// turn), so a pipelining client gets many commands into one commit, not one per turn.
		if (this.#queued >= maxCommandsInFlight || this.#context.waiting.count >= this.#context.limits.maxRepliesWaiting) {
			return written;
		}

		if (applied) {
			return;
		}

		return new Promise<void>((resolve, reject) => {
			release = resolve;
			written.then(resolve, reject);
		});
	}

	async run(command: Command): Promise<ServerEvent> {
		this.#context.counters.command(command.type);
		return this.#context.core.execute(this, command);
	}

	async respond(output: Promise<string>): Promise<void> {
		let text = '';
		const reply = output.then(value => {
			text = value;
			return {type: 'notice', text: ''} as const;
		});
		return this.#inOrder(reply, undefined, undefined, event => (event.type === 'error' ? this.#dialect.encoder.encode(event) : text));
	}

	async markRead(conversation: ConversationName, seq: number | undefined, id?: RequestId): Promise<void> {
		this.#context.counters.command('read');
		const execution = this.#context.core.execute(this, seq === undefined ? {type: 'read', conversation} : {type: 'read', conversation, seq});
		return this.#inOrder(execution, id);
	}

	async login(name: string, password: string, options: {readonly id?: RequestId; readonly resume?: ResumePoints; readonly beforeAttach?: () => Promise<void>}): Promise<void> {
		const {logger, core} = this.#context;
		const {id} = options;
		const {guard} = this.#context;
		const account = accountKey(name);
		const wait = guard.accounts.wait(account, this.#address.key);
		if (wait > 0) {
			// Refused without a password check; counts as a failed attempt of this connection and address.
			await this.#loginFailed(name, 'throttled', `too many failed logins for this account; try again in ${Math.ceil(wait / 1000)} s`, id);
			return;
		}

		if (!this.#address.beginLogin()) {
			guard.busyLog.note({scope: 'address', remote: this.remote, limit: guard.limits.maxPendingLoginsPerAddress});
			this.error('busy', 'too many logins from your address are being checked; try again in a moment', id);
			this.#dialect.afterError();
			return;
		}

		let accepted: boolean;
		const checkStarted = performance.now();
		// A peer whose input had already ended before this line was reached still gets its check.
		const check = this.#beginLoginWait(!this.#inputEnded);
		try {
			// The login clock keeps running while the check waits for a bcrypt worker (the queue is bounded,
			// and a connection closed meanwhile drops its check); it stops once the check runs.
			const result = await guard.gate.check(name, password, {
				signal: check,
				onStart: () => {
					this.#clearLoginTimer();
				},
			});
			if (result === 'cancelled' && this.#transport.closing) {
				return;
			}

			// A peer that sent its login and hung up while the check still waited is not worth a bcrypt run:
			// hit-and-run floods look just like this. It is told busy, like a login that found the queue full.
			if (result === 'busy' || result === 'cancelled') {
				guard.busyLog.note({scope: 'server', queued: guard.gate.queued, limit: guard.limits.maxQueuedLogins});
				this.error('busy', 'the server is busy checking logins; try again in a moment', id);
				this.#dialect.afterError();
				return;
			}

			accepted = result === 'accepted';
			this.#context.counters.loginChecked((performance.now() - checkStarted) / 1000);
			if (accepted) {
				this.#context.counters.loginsOk++;
			} else {
				this.#context.counters.loginsFailed++;
			}

		} catch (error) {
			logger.log('error', 'error', {conn: this.id, during: 'login', message: error instanceof Error ? error.message : String(error)});
			if (!this.#transport.closing) {
				this.error('server_error', 'the login could not be checked; try again', id);
				this.#dialect.afterError();
				this.#armLoginTimer();
			}

			return;
		} finally {
			this.#endLoginWait(check);
			this.#address.endLogin();
		}

		if (this.#transport.closing) {
			return;
		}

		if (accepted) {
			const lease = guard.users.acquire(normalizeName(name));
			if (!lease) {
				const most = guard.users.maxSessions;
				logger.log('warn', 'login_refused', {conn: this.id, user: normalizeName(name), reason: 'too_many_sessions', limit: most});
				this.error('too_many_sessions', `you already have ${most} ${most === 1 ? 'session' : 'sessions'}, the most allowed at once; end one and log in again`, id);
				this.#dialect.afterError();
				this.#armLoginTimer();
				return;
			}

			this.#userLease = lease;
			guard.accounts.succeed(account, this.#address.key);
			if (options.beforeAttach) {
				// IRC's SASL: the password is right, but the session starts once the client ends its registration.
				this.#armLoginTimer();
				const closing = this.#beginLoginWait(false);
				try {
					await Promise.race([options.beforeAttach(), new Promise<void>(resolve => {
						if (closing.aborted) {
							resolve();
							return;
						}

						closing.addEventListener('abort', () => {
							resolve();
						});
					})]);
				} finally {
					this.#endLoginWait(closing);
				}

				this.#clearLoginTimer();
				if (this.#transport.closing) {
					return;
				}
			}

			this.#loggedIn = true;
			this.user = normalizeName(name);
			this.#since = new Date().toISOString();
			let result: LoginResult;
			try {
				result = await core.login(this);
			} catch (error) {
				logger.log('error', 'error', {conn: this.id, user: this.user, during: 'login', message: error instanceof Error ? error.message : String(error)});
				this.#leaveCore();
				this.user = '';
				if (!this.#transport.closing) {
					this.error('unavailable', 'the server cannot load your conversations right now; try again', id);
					this.#dialect.afterError();
					this.#armLoginTimer();
				}

				return;
			}

			if (this.#transport.closing) {
				return;
			}

			const waiting = result.waiting > 0 ? ` ${result.waiting} ${result.waiting === 1 ? 'message' : 'messages'} arrived while you were away.` : '';
			const text = `welcome ${this.user}. ${result.online} ${result.online === 1 ? 'user' : 'users'} online.${waiting}${unreadSummary(result.conversations)} Type /help for the commands.`;
			const loginOk = {type: 'login_ok', user: this.user, text, conversations: result.conversations} as const;
			this.sendEvent(id === undefined ? loginOk : {...loginOk, id});
			logger.log('info', 'login_ok', {conn: this.id, user: this.user, mode: this.#dialect.name});
			try {
				await core.catchUp(this, options.resume);
			} catch (error) {
				// The live events held meanwhile were released; what is missing can be paged with /history.
				logger.log('error', 'error', {conn: this.id, user: this.user, during: 'catch_up', message: error instanceof Error ? error.message : String(error)});
				this.error('unavailable', 'the server could not send everything you missed; page it with /history');
			}

			return;
		}

		guard.accounts.fail(account, this.#address.key);
		await this.#loginFailed(name, 'auth_failed', 'invalid username or password', id);
	}

	/** A wrong password, or a throttled account: waits the address's failure delay, then says so (or closes after the last attempt). */
	async #loginFailed(name: string, code: 'auth_failed' | 'throttled', message: string, id: RequestId | undefined): Promise<void> {
		const {logger, limits} = this.#context;
		this.#failedLogins++;
		const delayMs = this.#context.throttle.fail(this.remote);
		logger.log('warn', 'login_failed', {conn: this.id, remote: this.remote, user: loggableName(name), attempt: this.#failedLogins, delay_ms: delayMs, ...(code === 'throttled' ? {reason: 'account_throttled'} : {})});
		await sleep(delayMs);
		if (this.#transport.closing) {
			return;
		}

		const left = limits.maxLoginAttempts - this.#failedLogins;
		if (left <= 0) {
			this.error(code, message, id);
			this.#closeWith('too_many_attempts');
			return;
		}

		this.error(code, `${message} (${left} ${left === 1 ? 'attempt' : 'attempts'} left)`, id);
		this.#dialect.afterError();
		this.#armLoginTimer();
	}

	// --- TransportHandler: what the transport reports (called by the transport only) ---

	onFrame(frame: Frame): void | Promise<void> {
		// Every line is charged, whatever it turns out to be (an error reply costs as much as a command's).
		this.#frameAllowed = this.#charge();
		if (this.#frameAllowed) {
			this.#refusedInARow = 0;
		}

		switch (frame.kind) {
			case 'line': {
				return this.#dialect.onLine(frame.text);
			}

			case 'too_long': {
				if (this.limited()) {
					this.#dialect.afterError();
					return;
				}

				this.error('line_too_long', `line longer than ${MAX_LINE_BYTES} bytes, dropped`);
				this.#dialect.afterError();
				return;
			}

			case 'invalid_utf8': {
				if (this.limited()) {
					this.#dialect.afterError();
					return;
				}

				this.error('invalid_utf8', 'line is not valid UTF-8, dropped');
				this.#dialect.afterError();
				return;
			}

			case 'overflow': {
				this.#context.counters.drops.line_overflow++;
				this.#closeWith('line_overflow');
			}
		}
	}

	onInputDone(): void {
		this.#finish();
	}

	onInputEnded(): void {
		this.#inputEnded = true;
		for (const wait of this.#loginWaits ?? []) {
			if (wait.onInputEnd) {
				wait.abort();
			}
		}
	}

	onSlowReader(buffered: number): void {
		const context = this.#context;
		context.counters.drops.slow_reader++;
		context.logger.log('warn', 'slow_reader', {conn: this.id, user: this.user || undefined, buffered, limit: context.limits.maxOutboundBytes});
	}

	onClose(reason: string): void {
		this.#clearLoginTimer();
		this.#dialect.closed?.();
		this.#abortLoginWaits();
		this.#leaveCore();
		this.#markShownRead();
		this.#address.release();
		this.#context.logger.log('info', 'disconnect', {conn: this.id, user: this.user || undefined, reason});
		this.#context.onClosed(this);
	}

	onFrameError(error: unknown): void {
		this.#context.logger.log('error', 'error', {conn: this.id, user: this.user || undefined, during: 'command', message: error instanceof Error ? error.message : String(error)});
		this.error('server_error', 'the server failed to carry this out');
	}

	// --- lifecycle ---

	/** One login wait's cancel: aborted at close (at once if closed already), and when `onInputEnd`, when the input ends. */
	#beginLoginWait(onInputEnd: boolean): LoginCancel {
		const cancel = new LoginCancel(onInputEnd);
		if (this.#aborted) {
			cancel.abort();
		}

		// Made with its first entry: an empty array grown by push would reserve room for 17.
		if (this.#loginWaits) {
			this.#loginWaits.push(cancel);
		} else {
			this.#loginWaits = [cancel];
		}

		return cancel;
	}

	#endLoginWait(cancel: LoginCancel): void {
		const waits = this.#loginWaits;
		if (!waits) {
			return;
		}

		const index = waits.indexOf(cancel);
		if (index !== -1) {
			waits.splice(index, 1);
		}

		if (waits.length === 0) {
			this.#loginWaits = undefined;
		}
	}

	#abortLoginWaits(): void {
		this.#aborted = true;
		for (const wait of this.#loginWaits ?? []) {
			wait.abort();
		}
	}

	/** A cleared timer is let go too: its Timeout object would stay with the connection for nothing. */
	#clearLoginTimer(): void {
		clearTimeout(this.#loginTimer);
		this.#loginTimer = undefined;
	}

	/** Closes the connection if no login arrives in time. */
	#armLoginTimer(): void {
		this.#clearLoginTimer();
		if (this.#loggedIn) {
			return;
		}

		const {loginTimeoutMs} = this.#context.limits;
		this.#loginTimer = setTimeout(() => {
			this.#closeWith('login_timeout', `no login within ${loginTimeoutMs < 1000 ? `${loginTimeoutMs} ms` : `${Math.round(loginTimeoutMs / 1000)} s`}`);
		}, loginTimeoutMs);
	}

	#closeWith(reason: ByeReason, text = byeTexts[reason]): void {
		if (this.#transport.closing) {
			return;
		}

		this.#clearLoginTimer();
		this.#abortLoginWaits();
		this.#leaveCore();
		this.#transport.close(reason, this.#dialect.encoder.encode({type: 'bye', reason, text}));
	}

	/** The peer sent all it will send and every reply is out: end our side too. */
	#finish(): void {
		this.#clearLoginTimer();
		// Commands may still wait for their commits: their replies go out first.
		void (this.#replies ?? Promise.resolve()).then(() => {
			this.#leaveCore();
			this.#transport.close('peer_closed');
		});
	}

	#leaveCore(): void {
		this.#userLease?.release();
		this.#userLease = undefined;
		if (this.#loggedIn) {
			this.#loggedIn = false;
			this.#held.drop();
			this.#context.core.detach(this);
		}
	}
}
