import {statSync} from 'node:fs';
import type {Timing} from './types.js';

/** The stores a run compares: `--data FILE` (a temporary SQLite file) and `--data :memory:`. */
export type StoreKind = 'file' | 'memory';
export const storeKinds: readonly StoreKind[] = ['file', 'memory'];

/** What `--data` asks for. */
export type DataChoice = StoreKind | 'both';

export function parseDataChoice(value: string): DataChoice | undefined {
	return value === 'file' || value === 'memory' || value === 'both' ? value : undefined;
}

/**
The stores one scenario runs with. Throughput and store scenarios run with each store `--data`
asks for; the others (connections held, the login storm: what they measure is not the store)
run once, with the file store (what `natter serve` ships with) unless only memory was asked for.
*/
export function storesFor(choice: DataChoice, comparesStores: boolean): StoreKind[] {
	if (choice !== 'both') {
		return [choice];
	}

	return comparesStores ? [...storeKinds] : ['file'];
}

/** Nearest-rank percentiles of a set of durations in ms (with 50 samples, p99 is the largest). */
export function timingOf(samplesMs: readonly number[]): Timing {
	if (samplesMs.length === 0) {
		return {count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0};
	}

	const sorted = [...samplesMs].sort((a, b) => a - b);
	const at = (fraction: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length))) - 1]!;
	return {count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1)!};
}

/** The commit figures of the server's `stopped` log line (`--log-format json`). */
export type StoppedFigures = {
	readonly commits: number;
	readonly rowsWritten: number;
	/** The longest write transaction of one event-loop turn: the worst stall the store caused. */
	readonly longestCommitMs: number;
};

/** The last `stopped` line of a JSON server log; undefined when the server never logged one (killed) or logged no commit figures. */
export function parseStopped(log: string): StoppedFigures | undefined {
	let found: StoppedFigures | undefined;
	for (const line of log.split('\n')) {
		if (!line.includes('"event":"stopped"')) {
			continue;
		}

		let entry: Record<string, unknown>;
		try {
			entry = JSON.parse(line) as Record<string, unknown>;
		} catch {
			continue;
		}

		const {commits, rows_written: rowsWritten, longest_commit_ms: longestCommitMs} = entry;
		if (entry.event === 'stopped' && typeof commits === 'number' && typeof rowsWritten === 'number' && typeof longestCommitMs === 'number') {
			found = {commits, rowsWritten, longestCommitMs};
		}
	}

	return found;
}

export type DataFileSizes = {readonly db: number; readonly wal: number; readonly shm: number; readonly total: number};

/** Sizes of a SQLite database and its `-wal` and `-shm` files (missing ones count 0). */
export function dataFileSizes(file: string): DataFileSizes {
	const size = (name: string) => {
		try {
			return statSync(name).size;
		} catch {
			return 0;
		}
	};

	const db = size(file);
	const wal = size(`${file}-wal`);
	const shm = size(`${file}-shm`);
	return {db, wal, shm, total: db + wal + shm};
}

/** Bytes of a SQLite database with its `-wal` and `-shm` files. */
export function dataFileBytes(file: string): number {
	return dataFileSizes(file).total;
}

/** MB (10^6 bytes) per million messages, which is bytes per message; 0 when there are no messages. */
export function megabytesPerMillion(bytes: number, messages: number): number {
	return messages > 0 ? bytes / messages : 0;
}

/** file ÷ memory, or undefined when either is missing or the memory figure is 0. */
export function ratio(file: number | undefined, memory: number | undefined): number | undefined {
	return file === undefined || memory === undefined || memory === 0 ? undefined : file / memory;
}

/** One row of the side-by-side table: a label and the two stores' figures as text. */
export type ComparisonRow = {readonly label: string; readonly file?: string; readonly memory?: string; readonly note?: string};

/** A fixed-width text table: label, file, memory, note (a missing figure is "–"). */
export function comparisonTable(rows: readonly ComparisonRow[]): string[] {
	const header: ComparisonRow = {label: '', file: 'file (SQLite)', memory: ':memory:', note: 'file vs memory'};
	const all = [header, ...rows];
	const width = (pick: (row: ComparisonRow) => string | undefined) => Math.max(...all.map(row => (pick(row) ?? '–').length));
	const labelWidth = width(row => row.label);
	const fileWidth = width(row => row.file);
	const memoryWidth = width(row => row.memory);
	return all.map(row => `  ${row.label.padEnd(labelWidth)}  ${(row.file ?? '–').padStart(fileWidth)}  ${(row.memory ?? '–').padStart(memoryWidth)}${row.note ? `  ${row.note}` : ''}`.trimEnd());
}
