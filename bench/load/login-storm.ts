import {setTimeout as sleep} from 'node:timers/promises';
import {LatencyHistogram} from '../histogram.js';
import {CpuMeter, ownCpuSeconds, readCpuSeconds, readMachineBusySeconds} from '../proc.js';
import type {ScenarioSpec, StormResult} from '../types.js';
import {BenchClient} from './client.js';
import {DeliveryCounter} from './counter.js';
import {groupSender, openGroup} from './group.js';
import {Pacer} from './pacer.js';

const members = 100;
const senders = 4;
/** A busy chat, well under the fan-out knee: the storm's effect on it is what is measured. */
const fanoutDeliveriesPerSec = 200e3;

/** `size` fresh users (cost-10 hashes) log in at once while a 100-member fan-out runs. */
export async function runLoginStorm(spec: ScenarioSpec, progress: (text: string) => void): Promise<StormResult> {
	const clients = await openGroup({port: spec.port, members, userName: index => `${spec.userPrefix}${index}`, password: spec.password, group: 'storm'});
	const counter = new DeliveryCounter(members);
	for (const client of clients) {
		client.count(counter);
	}

	const pacer = new Pacer(groupSender(clients, senders, 'storm'), 2);
	const messagesPerSec = fanoutDeliveriesPerSec / (members - 1);
	progress(`${spec.name}: fan-out running at ${fanoutDeliveriesPerSec / 1e3} k deliveries/s, baseline`);
	await pacer.run(messagesPerSec, elapsed => elapsed >= (spec.quick ? 1.5 : 3));
	const baselineP50Ms = counter.latency.percentileMs(0.5);
	const baselineP99Ms = counter.latency.percentileMs(0.99);

	counter.latency.reset();
	const loadMeter = new CpuMeter(ownCpuSeconds);
	const serverMeter = new CpuMeter(() => readCpuSeconds(spec.serverPid));
	const machineMeter = new CpuMeter(readMachineBusySeconds);
	const loginLatency = new LatencyHistogram();
	let pending = spec.size;
	let failedLogins = 0;
	const failureReasons: Record<string, number> = {};
	const stormClients: BenchClient[] = [];
	progress(`${spec.name}: ${spec.size} logins at once`);
	for (let index = 0; index < spec.size; index++) {
		const loginStarted = performance.now();
		BenchClient.open({port: spec.port, index, user: `${spec.stormPrefix}${index}`, password: spec.stormPassword}).then(
			client => {
				loginLatency.record((performance.now() - loginStarted) * 1000);
				client.discard();
				stormClients.push(client);
				pending--;
			},
			(error: unknown) => {
				failedLogins++;
				const reason = error instanceof Error ? error.message : String(error);
				failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
				pending--;
			},
		);
	}

	const seconds = await pacer.run(messagesPerSec, () => pending === 0);
	const loadCpu = loadMeter.read();
	const serverCpu = serverMeter.read();
	const otherCpu = Math.max(0, machineMeter.read() - loadCpu - serverCpu);
	const stormP50Ms = counter.latency.percentileMs(0.5);
	const stormP99Ms = counter.latency.percentileMs(0.99);
	const stormMaxMs = counter.latency.maxMicros / 1000;
	const deadline = performance.now() + 3000;
	while (counter.delivered < pacer.expectedDeliveries && performance.now() < deadline) {
		// eslint-disable-next-line no-await-in-loop
		await sleep(5);
	}

	return {
		kind: 'storm',
		name: spec.name,
		logins: spec.size,
		failedLogins,
		failureReasons,
		seconds,
		loginsPerSec: Math.round((spec.size - failedLogins) / seconds),
		loginP50Ms: loginLatency.percentileMs(0.5),
		loginP99Ms: loginLatency.percentileMs(0.99),
		fanoutMembers: members,
		fanoutDeliveriesPerSec,
		baselineP50Ms,
		baselineP99Ms,
		stormP50Ms,
		stormP99Ms,
		stormMaxMs,
		lost: Math.max(0, pacer.expectedDeliveries - counter.delivered),
		duplicates: counter.duplicates,
		outOfOrder: counter.outOfOrder,
		loadCpu,
		serverCpu,
		otherCpu,
	};
}
