import {setTimeout as sleep} from 'node:timers/promises';
import {CpuMeter, ownCpuSeconds, readCpuSeconds, readMachineBusySeconds, readSocketBacklog} from '../proc.js';
import type {LadderResult, LadderStep, ScenarioSpec} from '../types.js';
import type {BenchClient} from './client.js';
import {DeliveryCounter} from './counter.js';
import type {Pacer} from './pacer.js';

export const maxP99Ms = 500;

export type LadderOptions = {
	readonly name: string;
	readonly clients: number;
	readonly senders: number;
	readonly counter: DeliveryCounter;
	readonly pacer: Pacer;
	readonly deliveriesPerMessage: number;
	/** Offered deliveries per second, rising. */
	readonly rates: readonly number[];
	readonly stepSeconds: number;
	/** Bisection steps between the last pass and the first failure. */
	readonly refine: number;
	readonly serverPid: number;
	/** More server-side processes (other nodes, redis-server): their CPU is added to the server's. */
	readonly clusterPids?: readonly number[];
	readonly serverPort: number;
	readonly dropped: () => number;
	readonly progress: (text: string) => void;
};

/** How a scenario's ladder runs: its own rates (or the spec's fixed ones, not refined), step length, and the server to watch. */
export function ladderPlan(spec: ScenarioSpec, rates: {readonly quick: readonly number[]; readonly full: readonly number[]}): Pick<LadderOptions, 'rates' | 'stepSeconds' | 'refine' | 'serverPid' | 'clusterPids' | 'serverPort'> {
	return {
		rates: spec.rates ?? (spec.quick ? rates.quick : rates.full),
		stepSeconds: spec.quick ? 1.5 : 5,
		refine: spec.rates ? 0 : (spec.quick ? 1 : 3),
		serverPid: spec.serverPid,
		...(spec.clusterPids ? {clusterPids: spec.clusterPids} : {}),
		serverPort: spec.ircPort ?? spec.port,
	};
}

/** Counts what every client reads; `dropped()` is how many of them the server closed. */
export function countDeliveries(clients: readonly BenchClient[]): Pick<LadderOptions, 'counter' | 'dropped'> {
	const counter = new DeliveryCounter(clients.length);
	let dropped = 0;
	for (const client of clients) {
		client.count(counter);
		client.onClose = () => {
			dropped++;
		};
	}

	return {counter, dropped: () => dropped};
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = performance.now() + timeoutMs;
	while (!condition()) {
		if (performance.now() > deadline) {
			return false;
		}

		// eslint-disable-next-line no-await-in-loop
		await sleep(5);
	}

	return true;
}

function roundRate(rate: number): number {
	const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(rate)) - 1);
	return Math.round(rate / magnitude) * magnitude;
}

/**
Raise the offered rate step by step until a step loses a message or its p99 passes 500 ms,
then bisect between the last good step and the first bad one. The knee is the best good step.
*/
export async function runLadder(options: LadderOptions): Promise<LadderResult> {
	const {counter, pacer} = options;
	const loadMeter = new CpuMeter(ownCpuSeconds);
	const serverMeter = new CpuMeter(() => {
		let seconds = readCpuSeconds(options.serverPid);
		for (const pid of options.clusterPids ?? []) {
			const more = readCpuSeconds(pid);
			seconds = seconds === undefined || more === undefined ? undefined : seconds + more;
		}

		return seconds;
	});
	const machineMeter = new CpuMeter(readMachineBusySeconds);
	/** Deliveries still missing after earlier steps drained, so a step is charged only its own loss. */
	let shortfall = 0;

	const runStep = async (offeredPerSec: number): Promise<LadderStep> => {
		const messagesPerSec = offeredPerSec / options.deliveriesPerMessage;
		counter.latency.reset();
		const before = {bytesSent: pacer.bytesSent, bytesReceived: counter.bytesReceived, delivered: counter.delivered, duplicates: counter.duplicates, outOfOrder: counter.outOfOrder, dropped: options.dropped(), sent: pacer.messagesSent};
		loadMeter.start();
		serverMeter.start();
		machineMeter.start();
		const backlog = {samples: 0, server: 0, load: 0};
		const sampler = setInterval(() => {
			const {serverUnread, loadUnread} = readSocketBacklog(options.serverPort);
			backlog.samples++;
			backlog.server += serverUnread;
			backlog.load += loadUnread;
		}, 200);
		const seconds = await pacer.run(messagesPerSec, elapsed => elapsed >= options.stepSeconds || options.dropped() > before.dropped);
		clearInterval(sampler);
		const commandBytesPerSec = (pacer.bytesSent - before.bytesSent) / seconds;
		const deliveryBytesPerSec = (counter.bytesReceived - before.bytesReceived) / seconds;
		const serverBacklogMs = backlog.samples === 0 || commandBytesPerSec === 0 ? 0 : backlog.server / backlog.samples / commandBytesPerSec * 1000;
		const loadBacklogMs = backlog.samples === 0 || deliveryBytesPerSec === 0 ? 0 : backlog.load / backlog.samples / deliveryBytesPerSec * 1000;
		const deliveredInWindow = counter.delivered - before.delivered;
		const loadCpu = loadMeter.read();
		const serverCpu = serverMeter.read();
		const otherCpu = Math.max(0, machineMeter.read() - loadCpu - serverCpu);
		// Drain: anything not here 2 s after the window is far past the p99 bound anyway.
		await waitFor(() => counter.delivered >= pacer.expectedDeliveries, 2000);
		const missing = pacer.expectedDeliveries - counter.delivered;
		const lost = Math.max(0, missing - shortfall);
		const droppedConnections = options.dropped() - before.dropped;
		const p99Ms = counter.latency.percentileMs(0.99);
		const why = [
			lost > 0 ? `${lost} not delivered within 2 s of the step` : '',
			p99Ms > maxP99Ms ? `p99 ${p99Ms.toFixed(0)} ms > ${maxP99Ms} ms` : '',
			droppedConnections > 0 ? `${droppedConnections} connections dropped by the server` : '',
		].filter(Boolean).join('; ');
		const step: LadderStep = {
			offeredPerSec,
			deliveredPerSec: Math.round(deliveredInWindow / seconds),
			seconds,
			messagesSent: pacer.messagesSent - before.sent,
			expected: (pacer.messagesSent - before.sent) * options.deliveriesPerMessage,
			delivered: counter.delivered - before.delivered,
			lost,
			duplicates: counter.duplicates - before.duplicates,
			outOfOrder: counter.outOfOrder - before.outOfOrder,
			p50Ms: counter.latency.percentileMs(0.5),
			p99Ms,
			maxMs: counter.latency.maxMicros / 1000,
			loadCpu,
			serverCpu,
			otherCpu,
			serverMicrosPerDelivery: deliveredInWindow > 0 ? serverCpu * seconds / deliveredInWindow * 1e6 : 0,
			loadMicrosPerDelivery: deliveredInWindow > 0 ? loadCpu * seconds / deliveredInWindow * 1e6 : 0,
			serverBacklogMs,
			loadBacklogMs,
			droppedConnections,
			pass: why === '',
			...(why ? {why} : {}),
		};
		options.progress(`${options.name}: offered ${(offeredPerSec / 1e6).toFixed(3)} M/s -> ${(step.deliveredPerSec / 1e6).toFixed(3)} M/s, p50 ${step.p50Ms.toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms, load cpu ${(loadCpu * 100).toFixed(0)}%, server cpu ${(serverCpu * 100).toFixed(0)}% (${step.serverMicrosPerDelivery.toFixed(2)} µs/delivery), others ${(otherCpu * 100).toFixed(0)}%, unread server ${serverBacklogMs.toFixed(1)} ms load ${loadBacklogMs.toFixed(1)} ms${why ? ` FAIL: ${why}` : ''}`);
		if (lost > 0) {
			// Give a backlog time to clear before the next step; what never comes stays a shortfall.
			await waitFor(() => counter.delivered >= pacer.expectedDeliveries, 10_000);
		}

		shortfall = Math.max(0, pacer.expectedDeliveries - counter.delivered);
		return step;
	};

	const steps: LadderStep[] = [];
	let firstFail: LadderStep | undefined;
	for (const rate of options.rates) {
		// eslint-disable-next-line no-await-in-loop
		const step = await runStep(rate);
		steps.push(step);
		if (!step.pass) {
			firstFail = step;
			break;
		}
	}

	if (firstFail && options.dropped() === 0 && shortfall === 0) {
		let low = steps.filter(step => step.pass).at(-1)?.offeredPerSec ?? 0;
		let high = firstFail.offeredPerSec;
		for (let round = 0; round < options.refine; round++) {
			const rate = roundRate((low + high) / 2);
			if (rate <= low || rate >= high) {
				break;
			}

			// eslint-disable-next-line no-await-in-loop
			const step = await runStep(rate);
			steps.push(step);
			if (step.pass) {
				low = rate;
			} else {
				high = rate;
				firstFail = step;
			}

			if (options.dropped() > 0 || shortfall > 0) {
				break;
			}
		}
	}

	// What a failing step left behind may still come: only what never does is lost.
	await waitFor(() => counter.delivered >= pacer.expectedDeliveries, 10_000);
	const neverDelivered = Math.max(0, pacer.expectedDeliveries - counter.delivered);
	const passing = steps.filter(step => step.pass);
	const knee = passing.length > 0 ? passing.reduce((best, step) => (step.deliveredPerSec > best.deliveredPerSec ? step : best)) : undefined;
	let floor = false;
	let limit: string;
	if (!firstFail) {
		floor = true;
		limit = 'the top of the ladder passed: the knee is higher';
	} else if (firstFail.loadBacklogMs > firstFail.serverBacklogMs) {
		// Deliveries waited unread on the load generator's side: it, not the server, fell behind first.
		floor = true;
		limit = `the load generator (at the first failing step its unread deliveries held ${firstFail.loadBacklogMs.toFixed(0)} ms of traffic vs ${firstFail.serverBacklogMs.toFixed(0)} ms of commands unread by the server; load CPU ${(firstFail.loadCpu * 100).toFixed(0)}%, others ${(firstFail.otherCpu * 100).toFixed(0)}%)`;
	} else {
		limit = `the server (at the first failing step its unread commands held ${firstFail.serverBacklogMs.toFixed(0)} ms of traffic vs ${firstFail.loadBacklogMs.toFixed(0)} ms of deliveries unread by the load generator; server CPU ${(firstFail.serverCpu * 100).toFixed(0)}%, others ${(firstFail.otherCpu * 100).toFixed(0)}%)`;
	}

	return {kind: 'ladder', name: options.name, clients: options.clients, senders: options.senders, steps, knee, floor, limit, neverDelivered, duplicates: counter.duplicates, outOfOrder: counter.outOfOrder};
}
