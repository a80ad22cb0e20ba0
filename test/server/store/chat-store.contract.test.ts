import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {ChatStore} from '../../../server/core/store.js';
import {dmConversationId, StoreUnavailableError} from '../../../server/core/store.js';
import {MemoryStore} from '../../../server/store/memory-store.js';
import {SqliteStore} from '../../../server/store/sqlite-store.js';
import type {RetentionOptions, StoreStats} from '../../../server/store/state.js';
import {chatStoreContract, fill} from './chat-store-contract.js';
import {dm, groupMsg, tempDirs} from './helpers.js';

type TestStore = ChatStore & {prune(): Promise<void>; stats(): StoreStats};
type Factory = (options?: RetentionOptions) => Promise<TestStore>;

const tempDir = tempDirs();
const kinds: ReadonlyArray<[string, Factory]> = [
	['MemoryStore', async options => new MemoryStore(options)],
	['SqliteStore (recent messages in memory)', async options => SqliteStore.open({file: path.join(tempDir(), 'natter.db'), ...options})],
	// Every message indexed right after its commit: history reads go to the database.
	['SqliteStore (indexed at once)', async options => SqliteStore.open({file: path.join(tempDir(), 'natter.db'), indexEvery: 1, ...options})],
	['SqliteStore (inline writer, indexed at once)', async options => SqliteStore.open({file: path.join(tempDir(), 'natter.db'), writer: 'inline', indexEvery: 1, ...options})],
];

const ab = dmConversationId('alice', 'bob');

describe.each(kinds)('ChatStore contract: %s', (_name, make) => {
	const open: TestStore[] = [];
	afterEach(async () => {
		await Promise.all(open.splice(0).map(async store => store.close()));
	});
	const store = async (options?: RetentionOptions): Promise<TestStore> => {
		const made = await make(options);
		open.push(made);
		return made;
	};


	chatStoreContract(async () => store());

	it('serves only the newest historyMax messages per conversation, seqs going on', async () => {
		const chat = await store({historyMax: 10});
		await fill(chat, 25);
		const page = await chat.history('#g', {limit: 100});
		expect(page.messages.map(message => message.seq)).toEqual(Array.from({length: 10}, (_, i) => i + 16));
		expect(page.more).toBe(false);
		expect(await chat.history('#g', {before: 17, limit: 5})).toEqual({messages: [expect.objectContaining({seq: 16})], more: false});
		expect((await chat.history('#g', {after: 3, limit: 2})).messages.map(message => message.seq)).toEqual([16, 17]);
		expect(await chat.firstKeptSeq('#g')).toBe(16);
		await chat.prune();
		expect((await chat.history('#g', {limit: 100})).messages).toHaveLength(10);
		const next = await chat.append('#g', groupMsg('g', 'alice'));
		expect(next.ok && next.message.seq).toBe(26);
		expect(await chat.lastSeq('#g')).toBe(26);
	});

	it('prunes messages older than historyDays, keeping the last seq', async () => {
		let clock = Date.parse('2026-11-01T00:00:00Z');
		const chat = await store({historyDays: 2, now: () => clock});
		await fill(chat, 5);
		await chat.append(ab, dm('alice', 'bob', 'old'));
		clock += 36 * 3_600_000;
		await fill(chat, 3);
		clock += 36 * 3_600_000; // The first five are 72 h old, the last three 36 h.
		await chat.prune();
		const page = await chat.history('#g', {limit: 100});
		expect(page.messages.map(message => message.text)).toEqual(['m1', 'm2', 'm3']);
		expect(page.messages.map(message => message.seq)).toEqual([6, 7, 8]);
		expect(page.more).toBe(false);
		expect(await chat.firstKeptSeq('#g')).toBe(6);
		expect(await chat.history(ab, {limit: 10})).toEqual({messages: [], more: false});
		expect(await chat.lastSeq(ab)).toBe(1);
		expect(await chat.firstKeptSeq(ab)).toBeUndefined();
		const next = await chat.append(ab, dm('bob', 'alice'));
		expect(next.ok && next.message.seq).toBe(2);
	});

	it('rejects every call after close', async () => {
		const chat = await make();
		await chat.append(ab, dm('alice', 'bob'));
		await chat.close();
		await expect(chat.append(ab, dm('alice', 'bob'))).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(chat.history(ab, {limit: 1})).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(chat.createGroup('g', 'alice')).rejects.toBeInstanceOf(StoreUnavailableError);
		await expect(chat.forgetUser('alice')).rejects.toBeInstanceOf(StoreUnavailableError);
	});
});
