import {Buffer} from 'node:buffer';
import net from 'node:net';
import {performance} from 'node:perf_hooks';
import {LineFramer} from '../../source/protocol/index.js';
import type {DeliveryCounter} from './counter.js';
import {TokenScanner} from './token-scanner.js';

export type Reply = {type: string; code?: string; message?: string; messages?: ReadonlyArray<{seq?: unknown}>; more?: unknown};
type Waiter = {resolve: (reply: Reply) => void; reject: (error: Error) => void};

const framerLimits = {maxLineBytes: 16 * 1024 * 1024, hardCapBytes: 16 * 1024 * 1024};
/** Every socket reads into this one buffer; each read is handled before the next one starts. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

export function nowMicros(): number {
	return performance.now() * 1000;
}

/**
One benchmark connection in JSON mode. During setup it splits and parses lines to match replies
to requests; once `count()` is called it only scans the raw bytes for message tokens, which is
the cheap per-delivery path the load generator needs to out-run the server.
*/
export class BenchClient {
	closed = false;
	/** The reason in the server's `bye`, when it said one before closing. */
	byeReason: string | undefined;
	/** Called once when the socket closes for any reason. */
	onClose: (() => void) | undefined;
	readonly #socket: net.Socket;
	readonly #index: number;
	#framer: LineFramer | undefined = new LineFramer(framerLimits);
	readonly #waiters = new Map<string, Waiter>();
	#nextId = 1;
	#scanner: TokenScanner | undefined;
	/** IRC mode: setup waits for numerics (376, 366) instead of JSON replies, and a PONG now and then keeps the server's ping at bay. */
	#irc = false;
	#keepAlive: NodeJS.Timeout | undefined;

	private constructor(port: number, index: number) {
		this.#index = index;
		// `onread` reads into one shared buffer: no allocation and no stream machinery per read,
		// the load generator's biggest cost per delivery after the syscall itself.
		const socket = net.connect({host: '127.0.0.1', port, onread: {buffer: readBuffer, callback: length => {
			this.#onBytes(readBuffer.subarray(0, length));
			return true;
		}}});
		socket.setNoDelay(true);
		this.#socket = socket;
		socket.on('error', () => {});
		socket.on('close', () => {
			this.closed = true;
			clearInterval(this.#keepAlive);
			const error = new Error(this.byeReason ? `closed by the server: ${this.byeReason}` : 'connection closed');
			for (const waiter of this.#waiters.values()) {
				waiter.reject(error);
			}

			this.#waiters.clear();
			this.onClose?.();
		});
	}

	/** Connect, say hello and log in; resolves after `login_ok`. */
	static async open(options: {port: number; index: number; user: string; password: string}): Promise<BenchClient> {
		const client = new BenchClient(options.port, options.index);
		const reply = await client.#ask('login', {type: 'login', user: options.user, password: options.password}, '{"type":"hello","protocol":2,"client":"natter-bench"}\n');
		if (reply.type !== 'login_ok') {
			client.destroy();
			throw new Error(`login of ${options.user} failed: ${reply.message ?? reply.type}`);
		}

		return client;
	}

	/** Connect to the IRC port and register (PASS, NICK, USER); resolves after the MOTD's end (376). */
	static async openIrc(options: {port: number; index: number; user: string; password: string}): Promise<BenchClient> {
		const client = new BenchClient(options.port, options.index);
		client.#irc = true;
		const reply = await client.#ask('376', {}, `PASS ${options.password}\r\nNICK ${options.user}\r\nUSER ${options.user} 0 * :${options.user}\r\n`);
		if (reply.type !== 'ok') {
			client.destroy();
			throw new Error(`IRC registration of ${options.user} failed: ${reply.message ?? reply.type}`);
		}

		// The server pings a client silent for 90 s and drops it 90 s later; a receiver that only counts never speaks.
		client.#keepAlive = setInterval(() => {
			client.write('PONG :irc.natter\r\n');
		}, 30_000);
		client.#keepAlive.unref();
		return client;
	}

	/** IRC (setup mode only): sends `line` and resolves at the line whose numeric is `until`, or with an error reply at an error numeric. */
	async ircRequest(line: string, until: string): Promise<Reply> {
		this.setup();
		return this.#ask(until, {}, `${line}\r\n`);
	}

	get index(): number {
		return this.#index;
	}

	/** Send one slash-command and wait for its reply (setup mode only). */
	async request(line: string): Promise<Reply> {
		this.setup();
		return this.#ask(String(this.#nextId++), {type: 'command', line});
	}

	async ping(): Promise<Reply> {
		this.setup();
		return this.#ask(String(this.#nextId++), {type: 'ping'});
	}

	/** Back to line parsing; a partial line already in flight is dropped, which setup never needs. */
	setup(): void {
		this.#framer ??= new LineFramer(framerLimits);
		this.#scanner = undefined;
	}

	/** Stop parsing: from now on only message tokens are counted, everything else is skipped. */
	count(counter: DeliveryCounter): void {
		this.#framer = undefined;
		this.#scanner = new TokenScanner(this.#index, counter);
	}

	/** Skip everything that arrives (held connections still read, so the server never sees a slow reader). */
	discard(): void {
		this.#framer = undefined;
		this.#scanner = undefined;
	}

	write(data: string): void {
		this.#socket.write(data);
	}

	destroy(): void {
		this.#socket.destroy();
	}

	async #ask(id: string, request: Record<string, unknown>, before = ''): Promise<Reply> {
		if (this.closed) {
			throw new Error('connection closed');
		}

		return new Promise<Reply>((resolve, reject) => {
			this.#waiters.set(id, {resolve, reject});
			this.#socket.write(this.#irc ? before : `${before}${JSON.stringify({...request, id})}\n`);
		});
	}

	#onBytes(bytes: Buffer): void {
		if (this.#framer) {
			this.#onSetupData(bytes);
		} else if (this.#scanner) {
			this.#onCountData(bytes);
		}
	}

	/** The framer copies what it keeps, so the shared read buffer may be reused after this. */
	#onSetupData(chunk: Buffer): void {
		for (const frame of this.#framer!.push(chunk)) {
			if (this.#irc && frame.kind === 'line') {
				this.#onIrcLine(frame.text);
				continue;
			}

			if (frame.kind !== 'line' || !frame.text.startsWith('{')) {
				continue;
			}

			let event: {type?: unknown; id?: unknown; reason?: unknown};
			try {
				event = JSON.parse(frame.text) as {type?: unknown; id?: unknown; reason?: unknown};
			} catch {
				continue;
			}

			if (event.type === 'bye') {
				this.byeReason = String(event.reason);
			}

			if (event.id !== undefined) {
				const id = String(event.id);
				const waiter = this.#waiters.get(id);
				if (waiter) {
					this.#waiters.delete(id);
					waiter.resolve(event as Reply);
				}
			}
		}
	}

	/** A numeric some request waits for resolves it; an error numeric (4xx, 5xx) or ERROR resolves every waiter with an error. */
	#onIrcLine(line: string): void {
		const code = line.split(' ', 2)[1] ?? '';
		const waiter = this.#waiters.get(code);
		if (waiter) {
			this.#waiters.delete(code);
			waiter.resolve({type: 'ok'});
			return;
		}

		if (line.startsWith('ERROR') || /^[45]\d\d$/.test(code)) {
			for (const pending of this.#waiters.values()) {
				pending.resolve({type: 'error', message: line});
			}

			this.#waiters.clear();
		}
	}

	#onCountData(chunk: Buffer): void {
		this.#scanner!.push(chunk, nowMicros());
	}
}

/** Open `count` logged-in clients, `concurrency` logins in flight at a time. */
export async function openClients(options: {
	port: number;
	/** Spread the clients over these ports (client i on ports[i % length]) instead of `port`. */
	ports?: readonly number[];
	count: number;
	name: (index: number) => string;
	password: string;
	concurrency: number;
	/** Register over IRC (this is the IRC port) instead of logging in over JSON. */
	irc?: boolean;
	/** Called as each client is logged in, before the next login starts. */
	onOpen?: (client: BenchClient) => void;
}): Promise<BenchClient[]> {
	const clients: BenchClient[] = Array.from({length: options.count});
	let next = 0;
	const worker = async () => {
		while (next < options.count) {
			const index = next++;
			const login = {port: options.ports?.[index % options.ports.length] ?? options.port, index, user: options.name(index), password: options.password};
			// eslint-disable-next-line no-await-in-loop
			const client = await (options.irc ? BenchClient.openIrc(login) : BenchClient.open(login));
			clients[index] = client;
			options.onOpen?.(client);
		}
	};

	await Promise.all(Array.from({length: Math.min(options.concurrency, options.count)}, worker));
	return clients;
}

/** Run `task` over `items`, `concurrency` at a time. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<unknown>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			// eslint-disable-next-line no-await-in-loop
			await task(items[next++]!);
		}
	};

	await Promise.all(Array.from({length: Math.min(concurrency, items.length)}, worker));
}
