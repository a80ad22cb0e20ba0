import {EventEmitter} from 'node:events';
import net from 'node:net';
import {
	encodeEvent,
	helloLines,
	LineFramer,
	parseServerEvent,
	PROTOCOL_VERSION,
	type ClientRequest,
	type ErrorReply,
	type OkReply,
	type RequestId,
	type ResumePoints,
	type ServerEvent,
} from '../protocol/index.js';
import {ConnectError} from './connect-error.js';
import {connectTls, type ClientTls} from './tls.js';

export type ConnectionOptions = {
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly password: string;
	/** Sent in `hello`, shown in the server's log. */
	readonly client?: string;
	/** Ask for `presence` events (who comes online, who leaves). Default true. */
	readonly presence?: boolean;
	/** Give up connecting and logging in after this long (ms). */
	readonly timeoutMs?: number;
	/**
	The newest seq held per conversation (`{"#dev": 41, "@bob": 7, "*": 0}`): after `login_ok` the
	server sends exactly the messages after these (or a `gap` and the newest ones), then `resumed`.
	Left out or empty: no resume (stored direct messages still come after `login_ok`).
	*/
	readonly resume?: ResumePoints;
	/**
	Called for every event from the first one (`welcome`) on. A listener added after open() resolves
	can miss events that arrived in the same chunk as `login_ok`; this one cannot.
	*/
	readonly onEvent?: (event: ServerEvent) => void;
	/**
	Speak TLS, checking the server's certificate this way (see ClientTls). Nothing, not even
	`hello`, is sent before the certificate has passed; a refusal is a TlsUntrustedError or a
	TlsFingerprintMismatchError (both ConnectErrors).
	*/
	readonly tls?: ClientTls;
};

export {ConnectError} from './connect-error.js';

export type CommandReply = OkReply | ErrorReply;

export type CloseInfo = {
	/** What the server said in its `bye`, when it said one. */
	readonly bye?: Extract<ServerEvent, {type: 'bye'}>;
	/** True when the close came from `close()` here. */
	readonly requested: boolean;
	readonly error?: Error;
};

type Events = {
	event: [event: ServerEvent];
	close: [info: CloseInfo];
};

type Pending = {resolve: (reply: CommandReply) => void; reject: (error: Error) => void};

const defaultTimeoutMs = 15_000;

/** Client lines can be long (a `/users` reply on a big server), but never unbounded. */
const clientFramerLimits = {maxLineBytes: 16 * 1024 * 1024, hardCapBytes: 16 * 1024 * 1024};

/**
A logged-in JSON-mode connection to a natter server. `request('/msg bob hi')` resolves with
that command's reply; every event (replies too) is emitted as `event`.
*/
export class ChatConnection extends EventEmitter<Events> {
	/** Connect, say hello, log in. Rejects with a ConnectError (auth failure, refused, timeout…). */
	static async open(options: ConnectionOptions): Promise<ChatConnection> {
		const socket = options.tls
			? await connectTls(options.host, options.port, options.tls, options.timeoutMs ?? defaultTimeoutMs)
			: net.connect({host: options.host, port: options.port});
		socket.setNoDelay(true);
		const connection = new ChatConnection(socket, options.user);
		if (options.onEvent) {
			connection.on('event', options.onEvent);
		}

		try {
			await connection.#login(options);
		} catch (error) {
			socket.destroy();
			throw error;
		}

		return connection;
	}

	/** The user name as the server spells it (lower case). */
	user: string;
	serverVersion = '';
	readonly #socket: net.Socket;
	readonly #framer = new LineFramer(clientFramerLimits);
	readonly #pending = new Map<RequestId, Pending>();
	#nextId = 1;
	#closed = false;
	#closeRequested = false;
	#bye: CloseInfo['bye'];

	private constructor(socket: net.Socket, user: string) {
		super();
		this.#socket = socket;
		this.user = user;
		socket.on('data', chunk => {
			for (const frame of this.#framer.push(chunk)) {
				if (frame.kind === 'line') {
					this.#onLine(frame.text);
				}
			}
		});
		socket.on('error', error => {
			this.#finish(error);
		});
		socket.on('close', () => {
			this.#finish();
		});
	}

	get closed(): boolean {
		return this.#closed;
	}

	/**
	Send one command line (`/users`, `/msg bob hi`) and wait for its reply. `id` is the request id
	the reply will carry (chosen here when left out); it must not be one still waiting for a reply.
	*/
	async request(line: string, id: RequestId = this.#freeId()): Promise<CommandReply> {
		if (this.#pending.has(id)) {
			throw new Error(`request id ${String(id)} is already waiting for a reply`);
		}

		return this.#send({type: 'command', id, line}, id);
	}

	/** Move the read marker of `conversation` (`#dev`, `@bob`, `*`) up to `seq`; the reply says where it is now. */
	async markRead(conversation: string, seq: number): Promise<CommandReply> {
		const id = this.#freeId();
		return this.#send({type: 'mark_read', id, conversation, seq}, id);
	}

	/** Stop reading from the server (events wait in the socket) until resume(): for a consumer that cannot keep up. */
	pause(): void {
		this.#socket.pause();
	}

	resume(): void {
		this.#socket.resume();
	}

	/** Round-trip time to the server, in milliseconds. */
	async ping(): Promise<number> {
		const started = performance.now();
		const id = this.#freeId();
		await this.#send({type: 'ping', id}, id);
		return performance.now() - started;
	}

	/** Leave with `/exit` (the server says bye and closes); resolves when the socket is closed. */
	async close(): Promise<void> {
		if (this.#closed) {
			return;
		}

		this.#closeRequested = true;
		const closed = new Promise<void>(resolve => {
			this.once('close', () => {
				resolve();
			});
		});
		this.#socket.write(encodeEvent({type: 'command', id: 'exit', line: '/exit'}));
		const timer = setTimeout(() => this.#socket.destroy(), 2000);
		await closed;
		clearTimeout(timer);
	}

	/** Drop the connection at once, without `/exit`. */
	destroy(): void {
		this.#closeRequested = true;
		this.#socket.destroy();
	}

	async #send(request: ClientRequest, id: RequestId): Promise<CommandReply> {
		if (this.#closed) {
			throw new ConnectError('not connected', 'closed');
		}

		return new Promise<CommandReply>((resolve, reject) => {
			this.#pending.set(id, {resolve, reject});
			this.#socket.write(encodeEvent(request));
		});
	}

	#freeId(): number {
		while (this.#pending.has(this.#nextId)) {
			this.#nextId++;
		}

		return this.#nextId++;
	}

	#onLine(line: string): void {
		const event = parseServerEvent(line);
		if (!event) {
			return;
		}

		if (event.type === 'bye') {
			this.#bye = event;
		}

		if ((event.type === 'ok' || event.type === 'error' || event.type === 'pong' || event.type === 'login_ok') && event.id !== undefined) {
			const pending = this.#pending.get(event.id);
			if (pending) {
				this.#pending.delete(event.id);
				pending.resolve(event as CommandReply);
			}
		}

		this.emit('event', event);
	}

	async #login(options: ConnectionOptions): Promise<void> {
		const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
		await new Promise<void>((resolve, reject) => {
			const fail = (error: ConnectError) => {
				cleanup();
				reject(error);
			};

			const timer = setTimeout(() => {
				fail(new ConnectError(`no answer from ${options.host}:${options.port} within ${timeoutMs} ms`, 'timeout'));
			}, timeoutMs);
			const onEvent = (event: ServerEvent) => {
				if (event.type === 'welcome') {
					this.serverVersion = event.version;
					if (event.protocol !== PROTOCOL_VERSION) {
						fail(new ConnectError(`server speaks protocol ${event.protocol}, this client ${PROTOCOL_VERSION}`, 'unsupported_protocol'));
					}
				} else if (event.type === 'login_ok') {
					this.user = event.user;
					cleanup();
					resolve();
				} else if (event.type === 'error' && (event.id === 'login' || event.id === undefined)) {
					// Without an id, it answers a hello: refused resume points would otherwise go unseen, and the messages with them.
					fail(new ConnectError(event.id === undefined ? `the server refused the hello: ${event.message}` : event.message, event.code));
				} else if (event.type === 'bye') {
					fail(new ConnectError(event.text, event.reason));
				}
			};

			const onClose = (info: CloseInfo) => {
				const reason = info.error ? `${info.error.message}` : 'the server closed the connection';
				fail(new ConnectError(`cannot connect to ${options.host}:${options.port}: ${reason}`, info.error ? (info.error as NodeJS.ErrnoException).code ?? 'closed' : 'closed'));
			};

			const cleanup = () => {
				clearTimeout(timer);
				this.off('event', onEvent);
				this.off('close', onClose);
			};

			this.on('event', onEvent);
			this.on('close', onClose);
			// Resume points too many for one line go over several hellos; the server adds them up.
			for (const hello of helloLines({protocol: PROTOCOL_VERSION, client: options.client ?? 'natter', presence: options.presence ?? true}, options.resume)) {
				this.#socket.write(hello);
			}

			this.#socket.write(encodeEvent({type: 'login', id: 'login', user: options.user, password: options.password}));
		});
	}

	#finish(error?: Error): void {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		const lost = new ConnectError(error ? `connection lost: ${error.message}` : 'connection closed', 'closed');
		for (const pending of this.#pending.values()) {
			pending.reject(lost);
		}

		this.#pending.clear();
		this.#socket.destroy();
		this.emit('close', {requested: this.#closeRequested, ...(this.#bye ? {bye: this.#bye} : {}), ...(error ? {error} : {})});
	}
}
