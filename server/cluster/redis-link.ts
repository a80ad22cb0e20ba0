import {createHash} from 'node:crypto';
import {performance} from 'node:perf_hooks';
import {createClient} from 'redis';
import type {Logger} from '../log.js';
import {StoreUnavailableError} from '../core/store.js';

type Client = ReturnType<typeof createClient>;

/** A reply as node-redis gives it over RESP2: strings, integers, nulls, arrays, and HGETALL's object. */
export type RedisReply = string | number | null | RedisReply[] | {[field: string]: string};

/** HGETALL's reply (node-redis turns it into an object; a flat field/value array is read too) as entries. */
export function hashEntries(reply: RedisReply): Array<[string, string]> {
	if (Array.isArray(reply)) {
		const entries: Array<[string, string]> = [];
		for (let at = 0; at + 1 < reply.length; at += 2) {
			entries.push([String(reply[at]), String(reply[at + 1])]);
		}

		return entries;
	}

	return reply !== null && typeof reply === 'object' ? Object.entries(reply) : [];
}

/** A health check's finding: Redis answers, or why it does not. */
export type RedisHealth = {readonly up: true} | {readonly up: false; readonly reason: string};

export type LuaScript = {readonly source: string; readonly sha: string};

/** Every script made, loaded into Redis on connect and after each reconnect (so EVALSHA finds them and calls keep their order). */
const scripts: LuaScript[] = [];

export function luaScript(source: string): LuaScript {
	const script = {source, sha: createHash('sha1').update(source).digest('hex')};
	scripts.push(script);
	return script;
}

/** Reconnect delays: 50 ms doubling to 2 s, with jitter so that nodes do not reconnect in lockstep. */
function backoff(retries: number): number {
	const base = Math.min(2000, 50 * (2 ** Math.min(retries, 6)));
	return Math.round(base * (0.75 + (Math.random() * 0.5)));
}

/** `redis://user:secret@host` → `redis://user:***@host`: the URL is logged, a password never. */
export function redactUrl(url: string): string {
	return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** How long the command connection may owe a reply before Redis is taken for hung (default). */
export const defaultCommandTimeoutMs = 2000;

/** How often the watchdog looks at the command connection. */
const watchEveryMs = 250;

/**
Two connections to one Redis: `command` for every read and write (commands are answered in the
order sent), `subscriber` for pub/sub. While Redis is unreachable commands fail at once (no offline
queue: a chat command must get an `unavailable` reply, not wait), both connections retry with
backoff, and the outage is logged once when it starts and once when it ends. A Redis that keeps
its sockets open but answers nothing (stopped, swapping, stuck in a slow script) counts as
unreachable too once a reply is `commandTimeoutMs` late: the command connection is dropped, which
fails every command waiting on it, and made again.
*/
export class RedisLink {
	/** Connects both, or throws (naming the URL) when Redis cannot be reached now. */
	static async open(url: string, logger: Logger, options: {readonly commandTimeoutMs?: number} = {}): Promise<RedisLink> {
		const link = new RedisLink(url, logger, options.commandTimeoutMs ?? defaultCommandTimeoutMs);
		try {
			await Promise.all([link.#command.connect(), link.#subscriber.connect()]);
			await link.#loadScripts();
		} catch (error) {
			link.#closing = true;
			link.#command.destroy();
			link.#subscriber.destroy();
			throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${messageOf(error)}`, {cause: error});
		}

		link.#connected = true;
		link.#watchdog = setInterval(() => {
			link.#watch();
		}, watchEveryMs).unref();
		return link;
	}

	#command: Client;
	readonly #subscriber: Client;
	readonly #logger: Logger;
	readonly #url: string;
	readonly #options: Parameters<typeof createClient>[0];
	readonly #commandTimeoutMs: number;
	/** Commands sent on the command connection and not yet answered, and when one last was (or the first was sent). */
	#inFlight = 0;
	#lastProgress = 0;
	#watchdog: NodeJS.Timeout | undefined;
	/** Redis was found hung: a connection that opens is not trusted until it answers a PING (`#probing`: one is on its way). */
	#awaitingAnswer = false;
	#probing = false;
	#connected = false;
	#closing = false;
	/** When the current outage began (ms), undefined while connected. */
	#downSince: number | undefined;
	/** Why the current outage began. */
	#downReason = '';
	readonly #reconnectListeners: Array<(downSince: number) => void> = [];

	private constructor(url: string, logger: Logger, commandTimeoutMs: number) {
		this.#url = url;
		this.#logger = logger;
		this.#commandTimeoutMs = commandTimeoutMs;
		this.#options = {
			url,
			disableOfflineQueue: true,
			socket: {
				connectTimeout: 2000,
				// Before the first connection a failure is final (natter serve exits 1); after it, retry forever.
				reconnectStrategy: (retries: number, cause: Error) => (this.#connected ? backoff(retries) : cause),
			},
		};
		this.#command = this.#client('command');
		this.#subscriber = this.#client('subscriber');
	}

	#client(name: 'command' | 'subscriber'): Client {
		const client = createClient(this.#options);
		client.on('error', (error: unknown) => {
			this.#down(name, error);
		});
		client.on('ready', () => {
			this.#up(name);
		});
		return client;
	}

	/** A reply is `commandTimeoutMs` late: Redis is taken for down, the commands waiting fail (`unavailable`), and a new connection waits for it to answer. */
	#watch(): void {
		if (this.#inFlight === 0 || this.#closing || performance.now() - this.#lastProgress < this.#commandTimeoutMs) {
			return;
		}

		const hung = this.#command;
		this.#inFlight = 0;
		this.#awaitingAnswer = true;
		this.#probing = false;
		this.#down('command', new Error(`no reply within ${this.#commandTimeoutMs} ms (Redis is not answering)`));
		this.#command = this.#client('command');
		this.#command.connect().catch(() => undefined);
		hung.destroy();
	}

	/** After a hang: the new connection is ready (a stopped Redis's kernel still accepts); Redis is back once it answers. */
	#probe(): void {
		const client = this.#command;
		// Watched like any command: a PING that goes unanswered makes yet another connection.
		this.#probing = true;
		this.#inFlight++;
		this.#lastProgress = performance.now();
		client.sendCommand(['PING']).then(() => {
			if (client === this.#command) {
				this.#inFlight--;
				this.#probing = false;
				this.#awaitingAnswer = false;
				this.#up('command');
			}
		}, () => {
			// Failed: node-redis reconnects, and the next `ready` probes again.
			if (client === this.#command) {
				this.#inFlight--;
				this.#probing = false;
			}
		});
	}

	/** The subscriber connection (subscribe once; node-redis subscribes again after each reconnect). */
	get subscriber(): Client {
		return this.#subscriber;
	}

	get isUp(): boolean {
		return this.#downSince === undefined && this.#command.isReady;
	}

	/**
	Whether Redis answers now, for a health check: down at once while an outage is known, else a
	PING on the command connection that must come back within `timeoutMs` (a Redis that is hung
	with its sockets open fails that too).
	*/
	async check(timeoutMs: number): Promise<RedisHealth> {
		if (this.#downSince !== undefined) {
			return {up: false, reason: `Redis unreachable for ${((Date.now() - this.#downSince) / 1000).toFixed(1)} s: ${this.#downReason}`};
		}

		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<RedisHealth>(resolve => {
			timer = setTimeout(() => {
				resolve({up: false, reason: `Redis did not answer a PING within ${timeoutMs} ms`});
			}, timeoutMs);
		});
		const ping = this.call(['PING']).then((): RedisHealth => ({up: true}), (error: unknown): RedisHealth => ({up: false, reason: messageOf(error)}));
		try {
			return await Promise.race([ping, late]);
		} finally {
			clearTimeout(timer);
		}
	}

	/** Called once both connections are back after an outage, with when it began. */
	onReconnect(listener: (downSince: number) => void): void {
		this.#reconnectListeners.push(listener);
	}

	/** One command; any failure (unreachable, timeout, error reply) rejects with a StoreUnavailableError. */
	async call<T extends RedisReply = RedisReply>(args: readonly string[]): Promise<T> {
		try {
			return await this.#send<T>(args);
		} catch (error) {
			throw this.#unavailable(error);
		}
	}

	/** Runs a Lua script by its SHA1, loading it first when Redis does not know it (first use, or after a restart). */
	async run<T extends RedisReply = RedisReply>(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<T> {
		const tail = [String(keys.length), ...keys, ...args];
		try {
			return await this.#send<T>(['EVALSHA', script.sha, ...tail]);
		} catch (error) {
			if (!messageOf(error).startsWith('NOSCRIPT')) {
				throw this.#unavailable(error);
			}
		}

		return this.call<T>(['EVAL', script.source, ...tail]);
	}

	/** A failed command as the store reports it; one cut off by the watchdog had reached Redis, which may still carry it out. */
	#unavailable(error: unknown): StoreUnavailableError {
		if (error instanceof HungError) {
			return new StoreUnavailableError(`Redis: ${this.#downReason}`, {uncertain: error.sent});
		}

		return new StoreUnavailableError(`Redis: ${messageOf(error)}`);
	}

	/** Sends on the command connection, counted for the watchdog. */
	async #send<T extends RedisReply>(args: readonly string[]): Promise<T> {
		if (this.#awaitingAnswer) {
			// Fails at once while Redis is hung, as while it is unreachable: an answer, not a wait.
			throw new HungError(false);
		}

		const client = this.#command;
		if (this.#inFlight++ === 0) {
			this.#lastProgress = performance.now();
		}

		try {
			return await client.sendCommand<T>(args);
		} catch (error) {
			// Cut off by the watchdog (which dropped this connection): the command was sent, and may yet be carried out.
			throw client === this.#command ? error : new HungError(true);
		} finally {
			// A reply (or failure) from a connection the watchdog already dropped counts for nothing.
			if (client === this.#command) {
				this.#inFlight--;
				this.#lastProgress = performance.now();
			}
		}
	}

	async close(): Promise<void> {
		clearInterval(this.#watchdog);
		this.#closing = true;
		await Promise.all([this.#command, this.#subscriber].map(async client => {
			try {
				await client.close();
			} catch {
				client.destroy();
			}
		}));
	}

	async #loadScripts(): Promise<void> {
		await Promise.all(scripts.map(async script => this.#command.sendCommand(['SCRIPT', 'LOAD', script.source])));
	}

	#down(connection: string, error: unknown): void {
		if (this.#closing || !this.#connected) {
			return;
		}

		if (this.#downSince === undefined) {
			this.#downSince = Date.now();
			this.#downReason = `${connection} connection: ${messageOf(error)}`;
			this.#logger.log('error', 'redis_down', {url: redactUrl(this.#url), connection, message: messageOf(error)});
		}
	}

	#up(connection: string): void {
		if (this.#downSince === undefined || !this.#command.isReady || !this.#subscriber.isReady) {
			return;
		}

		if (this.#awaitingAnswer) {
			// Both connections are ready (whichever came last): Redis is back once it answers.
			if (!this.#probing) {
				this.#probe();
			}

			return;
		}

		const since = this.#downSince;
		this.#downSince = undefined;
		// A restarted Redis has forgotten them; until they are back a call falls back to EVAL.
		this.#loadScripts().catch(() => {});
		this.#logger.log('info', 'redis_up', {url: redactUrl(this.#url), connection, down_ms: Date.now() - since});
		for (const listener of this.#reconnectListeners) {
			listener(since);
		}
	}
}

/** A command refused (`sent` false) or cut off (`sent` true) because Redis stopped answering. */
class HungError extends Error {
	constructor(readonly sent: boolean) {
		super('Redis is not answering');
	}
}

export function messageOf(error: unknown): string {
	if (error instanceof AggregateError && error.errors.length > 0) {
		return messageOf(error.errors[0]);
	}

	return error instanceof Error ? (error.message || error.name) : String(error);
}
