import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import type {Logger} from '../log.js';
import {RedisStore} from '../store/redis-store.js';
import {redactUrl, RedisLink, type RedisHealth} from './redis-link.js';
import {RedisRouter} from './redis-router.js';

export {redactUrl, type RedisHealth} from './redis-link.js';

/** A crashed node's users are offline within this plus a third of it. */
export const DEFAULT_PRESENCE_TTL_MS = 10_000;

export type RedisEngineOptions = {
	/** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
	readonly url: string;
	/** Messages kept per conversation (the stream's MAXLEN ~); 0: unbounded. */
	readonly historyMax: number;
	readonly presenceTtlMs?: number;
	readonly logger: Logger;
};

export type RedisEngine = {
	/** Closing it takes this node out of the cluster and closes the connections. */
	readonly store: RedisStore;
	readonly router: RedisRouter;
	/** For /health and the natter_redis_up gauge. */
	readonly health: {isUp(): boolean; check(timeoutMs: number): Promise<RedisHealth>};
};

/**
The store and router of a node that shares its chat with other nodes through Redis. Throws when
Redis cannot be reached (natter serve then exits 1).
*/
export async function openRedisEngine(options: RedisEngineOptions): Promise<RedisEngine> {
	const link = await RedisLink.open(options.url, options.logger);
	let store: RedisStore;
	try {
		store = await RedisStore.open(link, {historyMax: options.historyMax});
	} catch (error) {
		await link.close();
		throw error;
	}

	const node = `${hostname().replaceAll(/[^\w.-]/g, '').slice(0, 32)}-${process.pid}-${randomBytes(3).toString('hex')}`;
	const presenceTtlMs = options.presenceTtlMs ?? DEFAULT_PRESENCE_TTL_MS;
	const router = new RedisRouter({link, store, node, presenceTtlMs, logger: options.logger});
	try {
		await router.start();
	} catch (error) {
		await store.close();
		throw new Error(`cannot join the cluster on Redis at ${redactUrl(options.url)}: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
	}

	options.logger.log('info', 'cluster', {redis: redactUrl(options.url), node, presence_ttl_ms: presenceTtlMs, nodes: 1 + router.otherNodes});
	return {store, router, health: {isUp: () => link.isUp, check: async timeoutMs => link.check(timeoutMs)}};
}
