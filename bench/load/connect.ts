import {setTimeout as sleep} from 'node:timers/promises';
import {CpuMeter, ownCpuSeconds, readCpuSeconds, readMachineBusySeconds, readRssKiB} from '../proc.js';
import type {ConnectResult, ScenarioSpec} from '../types.js';
import {type BenchClient, forEachLimited, openClients} from './client.js';

/** `size` connections logged in and held; server memory read from /proc before and after. */
export async function runConnect(spec: ScenarioSpec, progress: (text: string) => void): Promise<ConnectResult> {
	const loadMeter = new CpuMeter(ownCpuSeconds);
	const serverMeter = new CpuMeter(() => readCpuSeconds(spec.serverPid));
	const machineMeter = new CpuMeter(readMachineBusySeconds);
	const rssBeforeKiB = readRssKiB(spec.serverPid) ?? 0;
	let dropped = 0;
	let loggedIn = 0;
	const started = performance.now();
	const clients: BenchClient[] = await openClients({
		port: spec.port,
		count: spec.size,
		name: index => `${spec.userPrefix}${index}`,
		password: spec.password,
		concurrency: 256,
		onOpen(client) {
			loggedIn++;
			// Held connections keep reading (and skipping) so the server never sees a slow reader.
			client.discard();
			client.onClose = () => {
				dropped++;
			};

			if (loggedIn % 2000 === 0) {
				progress(`${spec.name}: ${loggedIn} logged in`);
			}
		},
	});
	const secondsToAllLoggedIn = (performance.now() - started) / 1000;
	const heldSeconds = spec.quick ? 2 : 10;
	await sleep(heldSeconds * 1000);
	const rssAfterKiB = readRssKiB(spec.serverPid) ?? 0;
	let answeredPing = 0;
	await forEachLimited(clients, 512, async client => {
		try {
			const reply = await client.ping();
			if (reply.type === 'pong') {
				answeredPing++;
			}
		} catch {}
	});
	const loadCpu = loadMeter.read();
	const serverCpu = serverMeter.read();
	return {
		kind: 'connect',
		name: spec.name,
		connections: spec.size,
		loggedIn,
		secondsToAllLoggedIn,
		loginsPerSec: Math.round(loggedIn / secondsToAllLoggedIn),
		rssBeforeKiB,
		rssAfterKiB,
		rssPerConnectionKiB: (rssAfterKiB - rssBeforeKiB) / spec.size,
		heldSeconds,
		answeredPing,
		dropped,
		loadCpu,
		serverCpu,
		otherCpu: Math.max(0, machineMeter.read() - loadCpu - serverCpu),
	};
}
