import {setTimeout as sleep} from 'node:timers/promises';
import {CpuMeter, ownCpuSeconds, readCpuSeconds, readMachineBusySeconds, readRssKiB} from '../proc.js';
import type {ConnectResult, ScenarioSpec} from '../types.js';
import {BenchClient, forEachLimited, openClients} from './client.js';

/** `size` connections logged in and held; server memory read from /proc before and after. */
export async function runConnect(spec: ScenarioSpec, progress: (text: string) => void): Promise<ConnectResult> {
	const loadMeter = new CpuMeter(ownCpuSeconds);
	const serverMeter = new CpuMeter(() => readCpuSeconds(spec.serverPid));
	const machineMeter = new CpuMeter(readMachineBusySeconds);
	const rssIdleKiB = readRssKiB(spec.serverPid) ?? 0;
	// One login first: the server starts its bcrypt worker threads (each its own V8 isolate) on the
	// first login, a fixed cost every server that has logged anyone in carries, not a per-connection one.
	const warmUp = await BenchClient.open({port: spec.port, index: 0, user: `${spec.userPrefix}${spec.size}`, password: spec.password});
	warmUp.destroy();
	await sleep(500);
	const rssBeforeKiB = readRssKiB(spec.serverPid) ?? 0;
	let dropped = 0;
	let loggedIn = 0;
	const heldSeconds = spec.quick ? 2 : 10;
	const open = async (from: number, count: number) => openClients({
		port: spec.port,
		count,
		name: index => `${spec.userPrefix}${from + index}`,
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
	// Two halves with a pause between: the RSS growth over the second half is the marginal cost of a
	// connection, without the fixed costs the first logins bring (V8's young generation grows to its
	// full size under the login burst, ~32 MiB, whatever the number of connections).
	const half = Math.floor(spec.size / 2);
	let started = performance.now();
	const clients: BenchClient[] = await open(0, half);
	let loginSeconds = (performance.now() - started) / 1000;
	await sleep(heldSeconds * 500);
	const rssHalfKiB = readRssKiB(spec.serverPid) ?? 0;
	started = performance.now();
	clients.push(...await open(half, spec.size - half));
	loginSeconds += (performance.now() - started) / 1000;
	const secondsToAllLoggedIn = loginSeconds;
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
		rssIdleKiB,
		rssBeforeKiB,
		rssAfterKiB,
		rssPerConnectionKiB: (rssAfterKiB - rssBeforeKiB) / spec.size,
		rssHalfKiB,
		rssMarginalPerConnectionKiB: (rssAfterKiB - rssHalfKiB) / (spec.size - half),
		heldSeconds,
		answeredPing,
		dropped,
		loadCpu,
		serverCpu,
		otherCpu: Math.max(0, machineMeter.read() - loadCpu - serverCpu),
	};
}
