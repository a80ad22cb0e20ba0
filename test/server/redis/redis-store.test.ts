import {createClient} from 'redis';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {dmConversationId, StoreUnavailableError} from '../../../server/core/store.js';
import {RedisLink} from '../../../server/cluster/redis-link.js';
import {silentLogger} from '../../../server/log.js';
import {RedisStore} from '../../../server/store/redis-store.js';
import {redisServerAvailable, redisSkipReason, startRedis, type TestRedis} from '../../helpers/redis-server.js';
import {chatStoreContract, fill} from '../store/chat-store-contract.js';
import {dm} from '../store/helpers.js';

if (!redisServerAvailable) {
	console.warn(redisSkipReason);
}

const ab = dmConversationId('alice', 'bob');

// The ChatStore contract (test/server/store/chat-store.contract.test.ts) on Redis, but retention by age, which a Redis store does not do.
describe.skipIf(!redisServerAvailable)('ChatStore contract: RedisStore', () => {
	let redis: TestRedis;
	const open: RedisStore[] = [];
	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => {
		await redis.stop();
	});
	beforeEach(async () => {
		const client = createClient({url: redis.url});
		await client.connect();
		await client.flushAll();
		await client.close();
	});
	afterEach(async () => {
		await Promise.all(open.splice(0).map(async store => store.close()));
	});

	async function make(historyMax = 100_000): Promise<RedisStore> {
		return RedisStore.open(await RedisLink.open(redis.url, silentLogger), {historyMax});
	}

	const store = async (options: {historyMax?: number} = {}): Promise<RedisStore> => {
		const made = await make(options.historyMax);
		open.push(made);
		return made;
	};


	chatStoreContract(async () => store());

	it('keeps about historyMax messages per conversation (XADD MAXLEN ~), seqs going on', async () => {
		const chat = await store({historyMax: 10});
		await fill(chat, 300);
		expect(await chat.lastSeq('#g')).toBe(300);
		const kept = await chat.history('#g', {limit: 1000});
		// Redis trims whole stream nodes (100 entries each): at least 10 are kept, never the whole 300.
		expect(kept.messages.length).toBeGreaterThanOrEqual(10);
		expect(kept.messages.length).toBeLessThan(300);
		expect(kept.messages.at(-1)).toMatchObject({seq: 300, text: 'm300'});
		expect(await chat.firstKeptSeq('#g')).toBe(kept.messages[0]!.seq);
	});

	it('rejects every call after close, and when Redis is unreachable', async () => {
		const chat = await make();
		await chat.append(ab, dm('alice', 'bob'));
		await chat.close();
		await expect(chat.append(ab, dm('alice', 'bob'))).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(chat.history(ab, {limit: 1})).rejects.toBeInstanceOf(StoreUnavailableError);
		const other = await store();
		await redis.kill();
		try {
			await expect(other.append(ab, dm('alice', 'bob'))).rejects.toBeInstanceOf(StoreUnavailableError);
			await expect(other.members('g')).rejects.toBeInstanceOf(StoreUnavailableError);
		} finally {
			await redis.restart();
		}
	});
});
