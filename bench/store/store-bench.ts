/**
Store throughput: private messages appended through the ChatStore API, `perTurn` per event-loop
turn, spread one at a time over `conversations` DM conversations, with at most `window` turns
waiting for their commit (as a server's many clients do; 1: each turn waits for its own).
Run: node --import tsx bench/store/store-bench.ts [messages] [conversations] [perTurn] [window]
*/
import {setImmediate as nextTurn} from 'node:timers/promises';
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {AppendResult, ChatStore, MessageDraft} from '../../server/core/store.js';
import {dmConversationId} from '../../server/core/store.js';
import {MemoryStore} from '../../server/store/memory-store.js';
import {SqliteStore} from '../../server/store/sqlite-store.js';
import type {StoreStats} from '../../server/store/state.js';

const messages = Number(process.argv[2] ?? 600_000);
const conversations = Number(process.argv[3] ?? 1000);
const perTurn = Number(process.argv[4] ?? 500);
const window = Number(process.argv[5] ?? 8);
const text = 'x'.repeat(64);
const ts = new Date().toISOString();
const pairs = Array.from({length: conversations}, (_, i) => ({from: `user${i}`, to: `peer${i}`, id: dmConversationId(`user${i}`, `peer${i}`)}));

async function run(name: string, store: ChatStore & {stats(): StoreStats}): Promise<void> {
	const started = performance.now();
	const loop = performance.eventLoopUtilization();
	const cpu = process.cpuUsage();
	let sent = 0;
	const waiting: Array<Promise<AppendResult[]>> = [];
	while (sent < messages) {
		const turn: Array<Promise<AppendResult>> = [];
		for (let i = 0; i < perTurn && sent < messages; i++, sent++) {
			const pair = pairs[sent % conversations]!;
			const draft: MessageDraft = {type: 'msg', msgid: `01JD${String(sent).padStart(22, '0')}`, ts, from: pair.from, to: pair.to, text};
			turn.push(store.append(pair.id, draft));
		}

		waiting.push(Promise.all(turn));
		if (waiting.length >= window) {
			await waiting.shift();
		}

		await nextTurn(); // So that each turn's appends are one batch.

	}

	await Promise.all(waiting);

	const seconds = (performance.now() - started) / 1000;
	// Busy time of the event loop's thread: what the server's own thread pays per message, less noisy than wall time on a shared machine.
	const busyUs = performance.eventLoopUtilization(loop).active * 1000;
	const {user, system} = process.cpuUsage(cpu);
	const stats = store.stats();
	const closing = performance.now();
	await store.close();
	console.log(`${name}: ${messages} messages, ${conversations} conversations, ${perTurn} per turn, ${window} turns in flight: ${Math.round(messages / seconds).toLocaleString('en')} messages/s`
		+ `; loop thread ${(busyUs / messages).toFixed(2)} µs/message, all threads CPU ${((user + system) / messages).toFixed(2)} µs/message`
		+ ` (${seconds.toFixed(2)} s; commits ${stats.commits}, longest ${stats.longestCommitMs.toFixed(1)} ms;`
		+ ` index commits ${stats.indexCommits}, longest ${stats.longestIndexMs.toFixed(1)} ms; close ${(performance.now() - closing).toFixed(0)} ms)`);
}

await run('MemoryStore', new MemoryStore());
const directory = mkdtempSync(path.join(tmpdir(), 'natter-store-bench-'));
try {
	const inline = path.join(directory, 'inline.db');
	await run('SqliteStore, inline writer', await SqliteStore.open({file: inline, writer: 'inline'}));
	const file = path.join(directory, 'bench.db');
	await run('SqliteStore, writer thread', await SqliteStore.open({file}));
	console.log(`  file ${(statSync(file).size / 1e6).toFixed(0)} MB`);
	const opening = performance.now();
	const reopened = await SqliteStore.open({file});
	const page = await reopened.history(pairs[0]!.id, {before: 100, limit: 50});
	console.log(`  reopen ${(performance.now() - opening).toFixed(0)} ms; a page of ${page.messages.length} old messages read back`);
	await reopened.close();
} finally {
	rmSync(directory, {recursive: true, force: true});
}
