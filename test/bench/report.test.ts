import {describe, expect, it} from 'vitest';
import {comparisonRows, type RunOutcome, storeLine} from '../../bench/report.js';
import type {HistoryResult, LadderResult, LadderStep} from '../../bench/types.js';

function step(deliveredPerSec: number): LadderStep {
	return {
		offeredPerSec: deliveredPerSec, deliveredPerSec, seconds: 5, messagesSent: 1, expected: 1, delivered: 1, lost: 0, duplicates: 0, outOfOrder: 0,
		p50Ms: 20, p99Ms: 200, maxMs: 300, loadCpu: 0.5, serverCpu: 1, otherCpu: 0, serverMicrosPerDelivery: 0.15, loadMicrosPerDelivery: 0.1,
		serverBacklogMs: 0, loadBacklogMs: 0, droppedConnections: 0, pass: true,
	};
}

function ladder(name: string, knee: number | undefined): LadderResult {
	return {
		kind: 'ladder', name, clients: 100, senders: 4, steps: knee === undefined ? [] : [step(knee)], knee: knee === undefined ? undefined : step(knee),
		floor: false, limit: 'the server', neverDelivered: 0, duplicates: 0, outOfOrder: 0,
	};
}

const store = {shutdownSeconds: 0.1, killed: false};

describe('comparisonRows', () => {
	it('sets the file store\'s fan-out knee against the memory store\'s, with the 90 % target', () => {
		const rows = comparisonRows({
			fanout100: {file: {result: ladder('fanout100 [file]', 6.9e6), store: {...store, stopped: {commits: 10, rowsWritten: 40, longestCommitMs: 12.5}}}, memory: {result: ladder('fanout100 [memory]', 7.5e6), store}},
		});
		expect(rows[0]).toEqual({label: 'fanout100 knee', file: '6.900 M/s', memory: '7.500 M/s', note: '92 % (target ≥ 90 %: met)'});
		expect(rows.at(-1)).toEqual({label: 'fanout100 longest commit', file: '13 ms', memory: undefined, note: '10 commits, 40 rows'});
	});

	it('judges the private knee against 130 k/s, and leaves a store that did not run blank', () => {
		const rows = comparisonRows({private: {file: {result: ladder('private [file]', 120e3), store}}});
		expect(rows[0]).toMatchObject({label: 'private knee', file: '120.0 k/s', memory: undefined});
		expect(rows[0]!.note).toContain('missed');
	});

	it('reports a failed run as a missing figure', () => {
		const failed: RunOutcome = {error: 'boom', store};
		const rows = comparisonRows({fanout1000: {file: failed, memory: {result: ladder('fanout1000 [memory]', 6e6), store}}});
		expect(rows[0]).toMatchObject({file: undefined, memory: '6.000 M/s', note: ''});
	});

	it('gives the history figures per million messages', () => {
		const history: HistoryResult = {
			kind: 'history', name: 'history [file]', messages: 1_000_000, senders: 4, fillSeconds: 20, fillMessagesPerSec: 50_000, fillServerCpu: 1, fillOtherCpu: 0,
			fileBytesAfterFill: 400e6, walBytesAfterFill: 250e6, rssBeforeFillKiB: 80 * 1024, rssAfterFillKiB: 200 * 1024, page: 50,
			newest: {count: 10, p50Ms: 0.5, p99Ms: 2, maxMs: 3}, middle: {count: 10, p50Ms: 0.7, p99Ms: 3, maxMs: 4},
		};
		const rows = comparisonRows({history: {file: {result: history, store: {...store, fileBytesAfterShutdown: 150e6}}}});
		const byLabel = new Map(rows.map(row => [row.label, row]));
		expect(byLabel.get('MB per million messages, after the fill')?.file).toBe('400');
		expect(byLabel.get('MB per million messages, after shutdown')?.file).toBe('150');
		expect(byLabel.get('history fill, 1,000,000 messages')?.file).toBe('50.0 k/s (20.0 s)');
	});
});

describe('storeLine', () => {
	it('says what the store wrote and what it left on disk', () => {
		expect(storeLine('file', {stopped: {commits: 3, rowsWritten: 9, longestCommitMs: 1.5}, fileBytesAfterShutdown: 15e6, shutdownSeconds: 0.25, killed: false}, 100_000))
			.toBe('  store: SQLite file; 3 commits, 9 rows written, longest commit 1.50 ms; 15.0 MB on disk after shutdown (150 MB per million messages); shutdown 0.3 s');
		expect(storeLine('memory', {shutdownSeconds: 60, killed: true})).toContain('KILLED');
	});
});
