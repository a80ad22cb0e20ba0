import {createHash} from 'node:crypto';
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

/**
Two connections to one Redis: `command` for every read and write (commands are answered in the
order sent), `subscriber` for pub/sub. While Redis is unreachable commands fail at once (no offline
queue: a chat command must get an `unavailable` reply, not wait), both connections retry with
backoff, and the outage is logged once when it starts and once when it ends.
*/
export class RedisLink {
	/** Connects both, or throws (naming the URL) when Redis cannot be reached now. */
	static async open(url: string, logger: Logger): Promise<RedisLink> {
		const link = new RedisLink(url, logger);
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
		return link;
	}

	readonly #command: Client;
	readonly #subscriber: Client;
	readonly #logger: Logger;
	readonly #url: string;
	#connected = false;
	#closing = false;
	/** When the current outage began (ms), undefined while connected. */
	#downSince: number | undefined;
	/** Why the current outage began. */
	#downReason = '';
	readonly #reconnectListeners: Array<(downSince: number) => void> = [];

	private constructor(url: string, logger: Logger) {
		this.#url = url;
		this.#logger = logger;
		const options = {
			url,
			disableOfflineQueue: true,
			socket: {
				connectTimeout: 2000,
				// Before the first connection a failure is final (natter serve exits 1); after it, retry forever.
				reconnectStrategy: (retries: number, cause: Error) => (this.#connected ? backoff(retries) : cause),
			},
		};
		this.#command = createClient(options);
		this.#subscriber = createClient(options);
		for (const [name, client] of [['command', this.#command], ['subscriber', this.#subscriber]] as const) {
			client.on('error', (error: unknown) => {
				this.#down(name, error);
			});
			client.on('ready', () => {
				this.#up(name);
			});
		}
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
			return await this.#command.sendCommand<T>(args);
		} catch (error) {
			throw new StoreUnavailableError(`Redis: ${messageOf(error)}`);
		}
	}

	/** Runs a Lua script by its SHA1, loading it first when Redis does not know it (first use, or after a restart). */
	async run<T extends RedisReply = RedisReply>(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<T> {
		const tail = [String(keys.length), ...keys, ...args];
		try {
			return await this.#command.sendCommand<T>(['EVALSHA', script.sha, ...tail]);
		} catch (error) {
			if (!messageOf(error).startsWith('NOSCRIPT')) {
				throw new StoreUnavailableError(`Redis: ${messageOf(error)}`);
			}
		}

		return this.call<T>(['EVAL', script.source, ...tail]);
	}

	async close(): Promise<void> {
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

export function messageOf(error: unknown): string {
	if (error instanceof AggregateError && error.errors.length > 0) {
		return messageOf(error.errors[0]);
	}

	return error instanceof Error ? (error.message || error.name) : String(error);
}
