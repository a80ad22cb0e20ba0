import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {
	comparisonTable, dataFileBytes, dataFileSizes, megabytesPerMillion, parseDataChoice, parseStopped, ratio, storesFor, timingOf,
} from '../../bench/store-figures.js';

describe('storesFor', () => {
	it('runs store-comparing scenarios with both stores and the others with the file only', () => {
		expect(storesFor('both', true)).toEqual(['file', 'memory']);
		expect(storesFor('both', false)).toEqual(['file']);
		expect(storesFor('memory', false)).toEqual(['memory']);
		expect(storesFor('file', true)).toEqual(['file']);
	});

	it('parses --data', () => {
		expect(parseDataChoice('both')).toBe('both');
		expect(parseDataChoice('memory')).toBe('memory');
		expect(parseDataChoice(':memory:')).toBeUndefined();
	});
});

describe('timingOf', () => {
	it('takes nearest-rank percentiles, so p99 of 50 samples is the largest', () => {
		const samples = Array.from({length: 50}, (_, index) => 50 - index);
		expect(timingOf(samples)).toEqual({count: 50, p50Ms: 25, p99Ms: 50, maxMs: 50});
	});

	it('reads p99 below the maximum once there are more than 100 samples', () => {
		const samples = Array.from({length: 1000}, (_, index) => index + 1);
		expect(timingOf(samples)).toMatchObject({p50Ms: 500, p99Ms: 990, maxMs: 1000});
	});

	it('is all zeros without samples, and leaves its input unsorted', () => {
		expect(timingOf([])).toEqual({count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0});
		const samples = [3, 1, 2];
		timingOf(samples);
		expect(samples).toEqual([3, 1, 2]);
	});
});

describe('parseStopped', () => {
	it('takes the commit figures of the last stopped line of a JSON log', () => {
		const log = [
			'{"ts":"2026-11-27T15:00:26.654Z","level":"info","event":"listening","port":1}',
			'not json',
			'{"ts":"2026-11-27T15:00:43.578Z","level":"info","event":"stopped","connections":100,"commits":8527,"rows_written":34170,"longest_commit_ms":158.01}',
			'',
		].join('\n');
		expect(parseStopped(log)).toEqual({commits: 8527, rowsWritten: 34170, longestCommitMs: 158.01});
	});

	it('is undefined when the server never stopped cleanly or logged no figures', () => {
		expect(parseStopped('{"level":"info","event":"listening"}\n')).toBeUndefined();
		expect(parseStopped('{"level":"info","event":"stopped","connections":3}\n')).toBeUndefined();
		expect(parseStopped('{"level":"info","event":"stopped","commits":1,\n')).toBeUndefined();
	});
});

describe('data file sizes', () => {
	let directory: string | undefined;
	afterEach(() => {
		if (directory) {
			rmSync(directory, {recursive: true, force: true});
		}
	});

	it('adds the -wal and -shm files, counting missing ones as 0', () => {
		directory = mkdtempSync(path.join(tmpdir(), 'natter-bench-test-'));
		const file = path.join(directory, 'natter.db');
		expect(dataFileBytes(file)).toBe(0);
		writeFileSync(file, Buffer.alloc(4096));
		writeFileSync(`${file}-wal`, Buffer.alloc(1000));
		expect(dataFileSizes(file)).toEqual({db: 4096, wal: 1000, shm: 0, total: 5096});
		writeFileSync(`${file}-shm`, Buffer.alloc(32_768));
		expect(dataFileBytes(file)).toBe(4096 + 1000 + 32_768);
	});

	it('turns bytes into MB per million messages', () => {
		expect(megabytesPerMillion(150e6, 1e6)).toBe(150);
		expect(megabytesPerMillion(15e6, 100_000)).toBe(150);
		expect(megabytesPerMillion(1, 0)).toBe(0);
	});
});

describe('ratio and comparisonTable', () => {
	it('divides file by memory only when both are there', () => {
		expect(ratio(90, 100)).toBe(0.9);
		expect(ratio(undefined, 100)).toBeUndefined();
		expect(ratio(5, 0)).toBeUndefined();
	});

	it('aligns the columns and shows a missing figure as a dash', () => {
		const lines = comparisonTable([
			{label: 'fanout100 knee', file: '6.900 M/s', memory: '7.440 M/s', note: '93 %'},
			{label: 'MB per million', file: '150'},
		]);
		expect(lines).toHaveLength(3);
		expect(lines[0]).toContain('file (SQLite)');
		expect(lines[1]).toMatch(/^ {2}fanout100 knee +6\.900 M\/s +7\.440 M\/s {2}93 %$/);
		expect(lines[2]).toMatch(/^ {2}MB per million +150 +–$/);
		// Every figure column ends at the same place.
		expect(lines[1]!.indexOf('7.440 M/s') + '7.440 M/s'.length).toBe(lines[2]!.lastIndexOf('–') + 1);
	});
});
