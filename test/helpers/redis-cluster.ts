import {createClient} from 'redis';
import {afterAll, afterEach, beforeAll, beforeEach} from 'vitest';
import type {LineSocket} from './line-socket.js';
import {startRedis, type TestRedis} from './redis-server.js';
import {startTestServer, type TestServer} from './test-server.js';

export type ClusterFixture = {
	readonly redis: () => TestRedis;
	/** `count` in-process nodes on free ports sharing the Redis (closed after the test). */
	nodes(count: number, options?: Parameters<typeof startTestServer>[0]): Promise<TestServer[]>;
	/** Destroy these sockets after the test; returns the first. */
	keep<T extends LineSocket>(client: T, ...more: LineSocket[]): T;
};

/**
One private redis-server per test file, emptied before each test; nodes are real servers on
port 0 over real TCP, each with its own users file (the same users), all on that Redis.
*/
export function clusterFixture(options: {appendonly?: boolean; presenceTtlMs?: number; redisCluster?: boolean} = {}): ClusterFixture {
	let redis: TestRedis | undefined;
	const servers: TestServer[] = [];
	const clients: LineSocket[] = [];
	beforeAll(async () => {
		redis = await startRedis({appendonly: options.appendonly ?? false, cluster: options.redisCluster ?? false});
	});
	afterAll(async () => {
		await redis?.stop();
	});
	beforeEach(async () => {
		const client = createClient({url: redis!.url});
		await client.connect();
		await client.flushAll();
		await client.close();
	});
	afterEach(async () => {
		for (const client of clients.splice(0)) {
			client.destroy();
		}

		await Promise.all(servers.splice(0).map(async server => server.close()));
	});
	return {
		redis: () => redis!,
		async nodes(count, serverOptions = {}) {
			const started: TestServer[] = [];
			for (let index = 0; index < count; index++) {
				// eslint-disable-next-line no-await-in-loop
				const server = await startTestServer({rate: 0, ...serverOptions, redis: {url: redis!.url, presenceTtlMs: options.presenceTtlMs ?? 1500}});
				servers.push(server);
				started.push(server);
			}

			return started;
		},
		keep(client, ...more) {
			clients.push(client, ...more);
			return client;
		},
	};
}
