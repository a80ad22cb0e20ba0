import {setTimeout as sleep} from 'node:timers/promises';
import {CpuMeter, ownCpuSeconds, readCpuSeconds, readMachineBusySeconds, readRssKiB} from '../proc.js';
import {dataFileSizes, timingOf} from '../store-figures.js';
import type {HistoryResult, ScenarioSpec, Timing} from '../types.js';
import type {BenchClient} from './client.js';
import {DeliveryCounter} from './counter.js';
import {GroupFiller} from './fill.js';
import {openGroup} from './group.js';

const senders = 4;
/** Commands per sender waiting for their `ok`: deep enough that the server always has a full turn to commit. */
const window = 2000;
const page = 50;
const group = 'history';

async function timeRequests(client: BenchClient, count: number, line: () => string, check: (seqs: number[]) => string | undefined): Promise<Timing> {
	const samples: number[] = [];
	for (let index = 0; index < count; index++) {
		const text = line();
		const started = performance.now();
		// eslint-disable-next-line no-await-in-loop
		const reply = await client.request(text);
		samples.push(performance.now() - started);
		if (reply.type !== 'ok') {
			throw new Error(`${text}: ${reply.message ?? reply.type}`);
		}

		const seqs = (reply.messages ?? []).map(message => Number(message.seq));
		const problem = check(seqs);
		if (problem) {
			throw new Error(`${text}: ${problem}`);
		}
	}

	return timingOf(samples);
}

/**
One group conversation filled with `size` messages by 4 members sending at full speed (pipelined,
so the fill rate is the server's persisted-write throughput), then `/history` pages of 50 from one
member, one request at a time: the newest page, and pages `before` a seq drawn around the middle.
*/
export async function runHistory(spec: ScenarioSpec, progress: (text: string) => void): Promise<HistoryResult> {
	const clients = await openGroup({port: spec.port, members: senders, userName: index => `${spec.userPrefix}${index}`, password: spec.password, group});
	const counter = new DeliveryCounter(senders);
	for (const client of clients) {
		client.count(counter);
	}

	const rssBeforeFillKiB = readRssKiB(spec.serverPid) ?? 0;
	const serverMeter = new CpuMeter(() => readCpuSeconds(spec.serverPid));
	const loadMeter = new CpuMeter(ownCpuSeconds);
	const machineMeter = new CpuMeter(readMachineBusySeconds);
	const started = performance.now();
	progress(`${spec.name}: filling #${group} with ${spec.size.toLocaleString('en')} messages from ${senders} pipelining senders`);
	await new GroupFiller(clients, counter, group).send(spec.size, window, acked => {
		progress(`${spec.name}: ${acked.toLocaleString('en')} messages stored (${Math.round(acked / ((performance.now() - started) / 1000)).toLocaleString('en')}/s)`);
	});
	const fillSeconds = (performance.now() - started) / 1000;
	const fillServerCpu = serverMeter.read();
	const fillOtherCpu = Math.max(0, machineMeter.read() - fillServerCpu - loadMeter.read());
	const sizes = spec.dataFile ? dataFileSizes(spec.dataFile) : {total: 0, wal: 0};
	const rssAfterFillKiB = readRssKiB(spec.serverPid) ?? 0;
	if (counter.duplicates > 0 || counter.outOfOrder > 0) {
		throw new Error(`the fill's deliveries had ${counter.duplicates} duplicates and ${counter.outOfOrder} out of order`);
	}

	progress(`${spec.name}: filled in ${fillSeconds.toFixed(1)} s (${Math.round(spec.size / fillSeconds).toLocaleString('en')} messages/s); ${(sizes.total / 1e6).toFixed(0)} MB on disk (-wal ${(sizes.wal / 1e6).toFixed(0)} MB)`);
	// Let the store settle as a server that was just busy would (the SQLite store indexes its tail after 1 s idle).
	await sleep(2500);
	const reader = clients[0]!;
	const requests = spec.quick ? 100 : 500;
	const total = spec.size;
	const newest = await timeRequests(reader, requests, () => `/history #${group} ${page}`, seqs =>
		(seqs.length === page && seqs[0] === total - page + 1 && seqs.at(-1) === total ? undefined : `expected seqs ${total - page + 1}–${total}, got ${seqs.length} from ${seqs[0]}`));
	let before = 0;
	const middle = await timeRequests(reader, requests, () => {
		before = Math.round(total * (0.45 + (Math.random() * 0.1)));
		return `/history #${group} before ${before} ${page}`;
	}, seqs => (seqs.length === page && seqs[0] === before - page && seqs.at(-1) === before - 1 ? undefined : `expected seqs ${before - page}–${before - 1}, got ${seqs.length} from ${seqs[0]}`));
	progress(`${spec.name}: /history ${page}: newest p50 ${newest.p50Ms.toFixed(2)} ms p99 ${newest.p99Ms.toFixed(2)} ms; middle p50 ${middle.p50Ms.toFixed(2)} ms p99 ${middle.p99Ms.toFixed(2)} ms`);
	return {
		kind: 'history',
		name: spec.name,
		messages: total,
		senders,
		fillSeconds,
		fillMessagesPerSec: Math.round(total / fillSeconds),
		fillServerCpu,
		fillOtherCpu,
		fileBytesAfterFill: sizes.total,
		walBytesAfterFill: sizes.wal,
		rssBeforeFillKiB,
		rssAfterFillKiB,
		page,
		newest,
		middle,
	};
}
