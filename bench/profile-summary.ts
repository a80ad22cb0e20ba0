import {readFileSync} from 'node:fs';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

/*
Reads a V8 .cpuprofile (what `node --cpu-prof` writes, e.g. through `npm run bench --
--server-node-arg=--cpu-prof --server-node-arg=--cpu-prof-dir=DIR`) and prints where the time
went: the top functions by self time and by inclusive time, and self time by area (JSON, the
store, SQLite, sockets, promises, GC…).

	node dist/bench/profile-summary.js DIR/CPU.….cpuprofile [top]
*/

export type CpuProfileNode = {
	readonly id: number;
	readonly callFrame: {readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber?: number};
	readonly children?: readonly number[];
};

export type CpuProfile = {
	readonly nodes: readonly CpuProfileNode[];
	readonly samples: readonly number[];
	readonly timeDeltas: readonly number[];
	readonly startTime: number;
	readonly endTime: number;
};

export type FunctionTime = {readonly name: string; readonly where: string; readonly area: string; readonly ms: number; readonly share: number};

export type ProfileSummary = {
	/** Sampled time, idle included. */
	readonly totalMs: number;
	readonly idleMs: number;
	readonly self: readonly FunctionTime[];
	readonly inclusive: readonly FunctionTime[];
	/** Self time by area, largest first. */
	readonly areas: ReadonlyArray<{readonly area: string; readonly ms: number; readonly share: number}>;
};

/** "dist/server/store/sqlite-store.js:120" from a file URL; native and V8 frames have no URL. */
function whereOf(frame: CpuProfileNode['callFrame']): string {
	if (!frame.url) {
		return '(native)';
	}

	const url = frame.url.replace(/^file:\/\//, '');
	const dist = url.lastIndexOf('/dist/');
	const short = dist >= 0 ? url.slice(dist + 1) : (url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 1) : url);
	return `${short}:${frame.lineNumber + 1}`;
}

/** Which part of the server a frame belongs to, from its URL and name. */
export function areaOf(frame: CpuProfileNode['callFrame']): string {
	const {functionName: name, url} = frame;
	if (name === '(garbage collector)') {
		return 'GC';
	}

	if (name === '(idle)') {
		return 'idle';
	}

	if (name === '(program)') {
		return 'V8/libuv (program)';
	}

	if (url.includes('better-sqlite3')) {
		return 'SQLite (better-sqlite3)';
	}

	if (url.includes('/server/store/')) {
		return 'store (server/store)';
	}

	if (url.includes('/server/core/')) {
		return 'core (server/core)';
	}

	if (url.includes('/server/net/')) {
		return 'connections (server/net)';
	}

	if (url.includes('/source/protocol/')) {
		return 'protocol (source/protocol: parseCommand, framer, encoding)';
	}

	if (url.includes('/server/')) {
		return 'server, other';
	}

	if (url.startsWith('node:internal/process/task_queues') || url.startsWith('node:internal/timers') || name === 'processTicksAndRejections' || name === 'runMicrotasks') {
		return 'promises, ticks and timers';
	}

	if (url.startsWith('node:') || url.startsWith('internal/')) {
		return 'Node internals (streams, net)';
	}

	if (!url) {
		if (name === 'writeUtf8String' || name === 'writeBuffer' || name === 'writev' || name === 'writeLatin1String' || name === 'onStreamRead' || name === 'readStart' || name === 'readStop') {
			return 'socket syscalls (native)';
		}

		if (name === 'parse' || name === 'stringify') {
			return 'JSON (native)';
		}

		if (name === 'run' || name === 'all' || name === 'get' || name === 'exec' || name === 'iterate' || name === 'prepare') {
			return 'SQLite (native statement calls)';
		}

		return 'native, other';
	}

	return 'other JS';
}

function sorted(times: Map<string, {name: string; where: string; area: string; ms: number}>, total: number, top: number): FunctionTime[] {
	return [...times.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map(entry => ({...entry, share: total > 0 ? entry.ms / total : 0}));
}

/** Self and inclusive time per function (recursion counted once), and self time per area. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
	const byId = new Map(profile.nodes.map(node => [node.id, node]));
	const selfById = new Map<number, number>();
	for (const [index, id] of profile.samples.entries()) {
		selfById.set(id, (selfById.get(id) ?? 0) + ((profile.timeDeltas[index] ?? 0) / 1000));
	}

	const keyOf = (node: CpuProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${whereOf(node.callFrame)}`;
	const entry = (node: CpuProfileNode) => ({name: node.callFrame.functionName || '(anonymous)', where: whereOf(node.callFrame), area: areaOf(node.callFrame), ms: 0});
	const self = new Map<string, {name: string; where: string; area: string; ms: number}>();
	const inclusive = new Map<string, {name: string; where: string; area: string; ms: number}>();
	const areas = new Map<string, number>();
	let totalMs = 0;
	let idleMs = 0;

	// Inclusive time: each node's subtree, added to every function on its stack once.
	const childIds = new Set(profile.nodes.flatMap(node => node.children ?? []));
	const subtree = new Map<number, number>();
	const total = (id: number): number => {
		const cached = subtree.get(id);
		if (cached !== undefined) {
			return cached;
		}

		const node = byId.get(id);
		let sum = selfById.get(id) ?? 0;
		for (const child of node?.children ?? []) {
			sum += total(child);
		}

		subtree.set(id, sum);
		return sum;
	};

	const walk = (id: number, onStack: ReadonlySet<string>): void => {
		const node = byId.get(id);
		if (!node) {
			return;
		}

		const key = keyOf(node);
		if (!onStack.has(key)) {
			const record = inclusive.get(key) ?? entry(node);
			record.ms += total(id);
			inclusive.set(key, record);
		}

		const next = onStack.has(key) ? onStack : new Set([...onStack, key]);
		for (const child of node.children ?? []) {
			walk(child, next);
		}
	};

	for (const node of profile.nodes) {
		if (!childIds.has(node.id)) {
			walk(node.id, new Set());
		}

		const ms = selfById.get(node.id) ?? 0;
		if (ms === 0) {
			continue;
		}

		totalMs += ms;
		const area = areaOf(node.callFrame);
		if (area === 'idle') {
			idleMs += ms;
		}

		areas.set(area, (areas.get(area) ?? 0) + ms);
		const key = keyOf(node);
		const record = self.get(key) ?? entry(node);
		record.ms += ms;
		self.set(key, record);
	}

	// Shares of the busy time: idle is left out, so the shares say where the work went.
	const busy = totalMs - idleMs;
	for (const times of [self, inclusive]) {
		for (const key of [...times.keys()].filter(key => key.startsWith('(idle) ') || key.startsWith('(root) '))) {
			times.delete(key);
		}
	}

	return {
		totalMs,
		idleMs,
		self: sorted(self, busy, top),
		inclusive: sorted(inclusive, busy, top),
		areas: [...areas.entries()].filter(([area]) => area !== 'idle').sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({area, ms, share: busy > 0 ? ms / busy : 0})),
	};
}

export function summaryLines(summary: ProfileSummary): string[] {
	const line = (entry: FunctionTime) => `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}  ${entry.where}  [${entry.area}]`;
	return [
		`sampled ${(summary.totalMs / 1000).toFixed(1)} s, of which idle ${(summary.idleMs / 1000).toFixed(1)} s; shares are of the busy ${((summary.totalMs - summary.idleMs) / 1000).toFixed(1)} s`,
		'self time by area:',
		...summary.areas.map(area => `  ${(area.share * 100).toFixed(1).padStart(5)} %  ${area.ms.toFixed(0).padStart(7)} ms  ${area.area}`),
		'top functions by self time:',
		...summary.self.map(entry => line(entry)),
		'top functions by inclusive time (callees included):',
		...summary.inclusive.map(entry => line(entry)),
	];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const [file, top] = process.argv.slice(2);
	if (!file) {
		console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [top]');
		process.exit(2);
	}

	const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
	console.log(summaryLines(summarizeProfile(profile, top === undefined ? 25 : Number(top))).join('\n'));
}
