import {describe, expect, it} from 'vitest';
import {areaOf, type CpuProfile, summarizeProfile, summaryLines} from '../../bench/profile-summary.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({functionName, url, lineNumber, columnNumber: 0});

/*
(root) 1
  (idle) 2
  onRead 3 (net)
    execute 4 (core)
      append 5 (store)
        run 6 (native SQLite)
      execute 7 (core, recursive)
  (garbage collector) 8
*/
const profile: CpuProfile = {
	nodes: [
		{id: 1, callFrame: frame('(root)'), children: [2, 3, 8]},
		{id: 2, callFrame: frame('(idle)')},
		{id: 3, callFrame: frame('onRead', 'file:///work/main/dist/server/net/transport.js', 9), children: [4]},
		{id: 4, callFrame: frame('execute', 'file:///work/main/dist/server/core/chat-core.js', 99), children: [5, 7]},
		{id: 5, callFrame: frame('append', 'file:///work/main/dist/server/store/sqlite-store.js', 4), children: [6]},
		{id: 6, callFrame: frame('run')},
		{id: 7, callFrame: frame('execute', 'file:///work/main/dist/server/core/chat-core.js', 99)},
		{id: 8, callFrame: frame('(garbage collector)')},
	],
	// µs: idle 1000, onRead 1000, execute 1000 + 1000 (recursive), append 1000, run 3000, GC 1000
	samples: [2, 3, 4, 5, 6, 6, 6, 7, 8],
	timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
	startTime: 0,
	endTime: 10_000,
};

describe('summarizeProfile', () => {
	const summary = summarizeProfile(profile);

	it('adds self time per function from the sample time deltas, idle apart', () => {
		expect(summary.totalMs).toBe(9);
		expect(summary.idleMs).toBe(1);
		expect(summary.self.map(entry => [entry.name, entry.ms])).toEqual([['run', 3], ['execute', 2], ['onRead', 1], ['append', 1], ['(garbage collector)', 1]]);
		expect(summary.self[0]!.share).toBeCloseTo(3 / 8);
		expect(summary.self[1]!.where).toBe('dist/server/core/chat-core.js:100');
	});

	it('counts a recursive function\'s inclusive time once', () => {
		const inclusive = new Map(summary.inclusive.map(entry => [entry.name, entry.ms]));
		expect(inclusive.get('onRead')).toBe(7);
		expect(inclusive.get('execute')).toBe(6);
		expect(inclusive.get('append')).toBe(4);
		expect(inclusive.has('(root)')).toBe(false);
	});

	it('sums self time by area', () => {
		expect(Object.fromEntries(summary.areas.map(area => [area.area, area.ms]))).toEqual({
			'SQLite (native statement calls)': 3,
			'core (server/core)': 2,
			'connections (server/net)': 1,
			'store (server/store)': 1,
			GC: 1,
		});
		expect(summaryLines(summary)[0]).toContain('shares are of the busy 0.0 s');
	});
});

describe('areaOf', () => {
	it('tells JSON, sockets, promises and Node internals apart', () => {
		expect(areaOf(frame('parse'))).toBe('JSON (native)');
		expect(areaOf(frame('writeBuffer'))).toBe('socket syscalls (native)');
		expect(areaOf(frame('processTicksAndRejections', 'node:internal/process/task_queues', 1))).toBe('promises, ticks and timers');
		expect(areaOf(frame('Readable.push', 'node:internal/streams/readable', 1))).toBe('Node internals (streams, net)');
		expect(areaOf(frame('parseCommand', 'file:///w/dist/source/protocol/commands.js', 1))).toContain('parseCommand');
		expect(areaOf(frame('run', 'file:///w/node_modules/better-sqlite3/lib/methods/transaction.js', 1))).toBe('SQLite (better-sqlite3)');
	});
});
