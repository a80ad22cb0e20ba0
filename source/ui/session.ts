import {EventEmitter} from 'node:events';
import {ChatConnection, ConnectError, type CloseInfo, type CommandReply, type ConnectionOptions} from '../client/connection.js';
import type {ResumePoints, ServerEvent} from '../protocol/index.js';

export type SessionState =
	| {readonly state: 'online'}
	| {readonly state: 'reconnecting'; readonly attempt: number; readonly retryInMs: number; readonly reason: string}
	| {readonly state: 'offline'; readonly reason: string};

type SessionEvents = {
	/** Server events, batched per turn of the event loop: each login's `login_ok`, then what the server pushes (replies to requests are not included). */
	events: [events: ServerEvent[]];
	state: [state: SessionState];
	/** Logged in, first time or again after a reconnect: time to fetch groups and users. */
	online: [];
	lag: [ms: number];
};

export type SessionOptions = ConnectionOptions & {
	/** Reconnect delays: the first, doubling up to the cap. */
	readonly backoff?: {readonly initialMs: number; readonly maxMs: number};
	readonly pingIntervalMs?: number;
};

/**
Open a connection, keeping every event until the caller attaches its own listener: events that
come in the same chunk as `login_ok` are emitted before `open()` resolves.
*/
export async function openBuffered(options: ConnectionOptions): Promise<{connection: ChatConnection; early: ServerEvent[]}> {
	let early: ServerEvent[] | undefined = [];
	const connection = await ChatConnection.open({
		...options,
		onEvent(event) {
			early?.push(event);
		},
	});
	const kept = early;
	// Events come in socket reads (macrotasks): none can slip in before the caller, continuing in
	// this microtask chain, attaches its listener. Later ones are the caller's.
	early = undefined;
	return {connection, early: kept};
}

/** Bye reasons after which coming back would only be refused again or fight another session. */
const finalByeReasons = new Set(['exit', 'too_many_attempts', 'replaced', 'revoked', 'logged_out']);

/**
The TUI's link to the server: one logged-in `ChatConnection` at a time, reconnected with
backoff when it drops, logged in again with the same credentials, pinged for the lag figure.
Events wait in a queue until someone listens, so nothing is lost between login and the first render.
*/
export class ChatSession extends EventEmitter<SessionEvents> {
	readonly options: SessionOptions;
	#connection: ChatConnection | undefined;
	#state: SessionState = {state: 'online'};
	#queue: ServerEvent[] = [];
	#flushScheduled = false;
	#started = false;
	#closing = false;
	#pingTimer: NodeJS.Timeout | undefined;
	#retryTimer: NodeJS.Timeout | undefined;
	/** Asked at every reconnect: the newest seq the view holds per conversation, so the server sends just what was missed. */
	resumePoints: (() => ResumePoints) | undefined;

	/** Connect and log in; events that arrive with the login reply are kept for the first listener. */
	static async open(options: SessionOptions): Promise<ChatSession> {
		const {connection, early} = await openBuffered(options);
		return new ChatSession(options, connection, early);
	}

	/** `early`: events the connection emitted before this session listened (see `openBuffered`). */
	constructor(options: SessionOptions, connection: ChatConnection, early: readonly ServerEvent[] = []) {
		super();
		this.options = options;
		this.#attach(connection, early);
	}

	get user(): string {
		return this.#connection?.user ?? this.options.user;
	}

	get state(): SessionState {
		return this.#state;
	}

	/** Begin delivering events and pinging; call once the listeners are in place. */
	start(): void {
		if (this.#started || this.#closing) {
			return;
		}

		this.#started = true;
		this.#scheduleFlush();
		this.#startPing();
		if (this.#state.state === 'online') {
			this.emit('online');
		}
	}

	/** Send one command line; rejects with a ConnectError while the connection is down. */
	async send(line: string): Promise<CommandReply> {
		const connection = this.#connection;
		if (!connection || connection.closed || this.#state.state !== 'online') {
			throw new ConnectError(this.#state.state === 'reconnecting' ? 'not connected (reconnecting…)' : 'not connected', 'closed');
		}

		return connection.request(line);
	}

	/** Move a read marker (`mark_read`); rejects with a ConnectError while the connection is down. */
	async markRead(conversation: string, seq: number): Promise<CommandReply> {
		const connection = this.#connection;
		if (!connection || connection.closed || this.#state.state !== 'online') {
			throw new ConnectError('not connected', 'closed');
		}

		return connection.markRead(conversation, seq);
	}

	/** Leave: `/exit` to the server, stop reconnecting and pinging. */
	async close(): Promise<void> {
		this.#closing = true;
		this.#stopTimers();
		await this.#connection?.close();
	}

	/** Drop everything at once (unmount during a crash or a signal). */
	destroy(): void {
		this.#closing = true;
		this.#stopTimers();
		this.#connection?.destroy();
	}

	#attach(connection: ChatConnection, early: readonly ServerEvent[]): void {
		this.#connection = connection;
		for (const event of early) {
			this.#onEvent(event);
		}

		connection.on('event', event => {
			if (connection === this.#connection) {
				this.#onEvent(event);
			}
		});
		connection.on('close', info => {
			if (connection === this.#connection) {
				this.#onClose(info);
			}
		});
	}

	#onEvent(event: ServerEvent): void {
		// Replies reach their caller through `send`; only what the server pushes goes to the queue,
		// and `login_ok`, whose conversation summary (unread counts, read markers) the view starts from.
		if (event.type === 'welcome' || event.type === 'pong' || event.type === 'ok') {
			return;
		}

		if (event.type === 'error' && event.id !== undefined) {
			return;
		}

		this.#queue.push(event);
		this.#scheduleFlush();
	}

	#scheduleFlush(): void {
		if (this.#flushScheduled || !this.#started) {
			return;
		}

		this.#flushScheduled = true;
		setImmediate(() => {
			this.#flushScheduled = false;
			if (this.#queue.length > 0) {
				const events = this.#queue;
				this.#queue = [];
				this.emit('events', events);
			}
		});
	}

	#setState(state: SessionState): void {
		this.#state = state;
		this.emit('state', state);
	}

	#onClose(info: CloseInfo): void {
		this.#stopTimers();
		if (this.#closing || info.requested) {
			this.#setState({state: 'offline', reason: 'disconnected'});
			return;
		}

		if (info.bye && finalByeReasons.has(info.bye.reason)) {
			this.#setState({state: 'offline', reason: info.bye.text});
			return;
		}

		const reason = info.bye ? info.bye.text : info.error ? `connection lost: ${info.error.message}` : 'connection lost';
		this.#retry(1, reason);
	}

	#retry(attempt: number, reason: string): void {
		const {initialMs, maxMs} = this.options.backoff ?? {initialMs: 500, maxMs: 10_000};
		const retryInMs = Math.min(maxMs, initialMs * (2 ** (attempt - 1)));
		this.#setState({state: 'reconnecting', attempt, retryInMs, reason});
		this.#retryTimer = setTimeout(() => {
			void this.#reconnect(attempt);
		}, retryInMs);
	}

	async #reconnect(attempt: number): Promise<void> {
		if (this.#closing) {
			return;
		}

		try {
			const resume = this.resumePoints?.();
			const {connection, early} = await openBuffered(resume ? {...this.options, resume} : this.options);
			if (this.#closing) {
				connection.destroy();
				return;
			}

			this.#attach(connection, early);
			this.#setState({state: 'online'});
			this.#startPing();
			this.emit('online');
		} catch (error) {
			const code = error instanceof ConnectError ? error.code : '';
			const message = error instanceof Error ? error.message : String(error);
			// A certificate that is no longer the pinned (or a trusted) one will not get better by retrying.
			if (code === 'auth_failed' || code === 'unsupported_protocol' || code === 'too_many_attempts' || code === 'tls_fingerprint_mismatch' || code === 'tls_untrusted') {
				this.#setState({state: 'offline', reason: message});
				return;
			}

			this.#retry(attempt + 1, message);
		}
	}

	#startPing(): void {
		if (!this.#started || this.#pingTimer) {
			return;
		}

		const ping = async () => {
			const connection = this.#connection;
			if (!connection || connection.closed) {
				return;
			}

			try {
				this.emit('lag', await connection.ping());
			} catch {}
		};

		void ping();
		this.#pingTimer = setInterval(() => {
			void ping();
		}, this.options.pingIntervalMs ?? 5000);
		this.#pingTimer.unref();
	}

	#stopTimers(): void {
		clearInterval(this.#pingTimer);
		this.#pingTimer = undefined;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
	}
}
