import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync} from 'node:fs';
import path from 'node:path';
import {createClient} from 'redis';
import {readCpuSeconds} from './proc.js';
import {freePort, redisReady} from './redis-process.js';
import {type BenchServer, type LoadGenerator, startLoadGenerator, startServer} from './processes.js';
import {resultFigures, resultLines} from './report.js';
import type {LadderResult, ScenarioResult} from './types.js';
import {benchUsers} from './users-file.js';

/** Fan-out group members, split over the two nodes; 4 of them send (two on each node). */
const members = 100;

export type ClusterBenchOptions = {
	readonly usersFile: string;
	readonly directory: string;
	readonly quick: boolean;
	readonly serverCore: number | undefined;
	readonly loadCore: number | undefined;
	readonly nodeArgs: readonly string[];
	readonly loadNodeArgs: readonly string[];
	readonly rates?: readonly number[];
	readonly progress: (text: string) => void;
};

export type ClusterBenchOutcome = {readonly lines: string[]; readonly figures: Record<string, unknown>};

/** A private redis-server (free port, temp dir, nothing persisted), on the servers' core. */
async function startRedis(directory: string, core: number | undefined): Promise<{child: ChildProcess; url: string}> {
	const port = await freePort();
	const dir = mkdtempSync(path.join(directory, 'redis-'));
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
	const child = core === undefined ? spawn('redis-server', args, {stdio: ['ignore', 'pipe', 'pipe']}) : spawn('taskset', ['-c', String(core), 'redis-server', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
	await redisReady(child, port);
	return {child, url: `redis://127.0.0.1:${port}`};
}

/** Redis's own counters: commands run and bytes in and out. */
async function redisCounters(url: string): Promise<{commands: number; bytesIn: number; bytesOut: number}> {
	const client = createClient({url});
	await client.connect();
	try {
		const info = await client.info();
		const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
		return {commands: field('total_commands_processed'), bytesIn: field('total_net_input_bytes'), bytesOut: field('total_net_output_bytes')};
	} finally {
		await client.close();
	}
}

function messagesSent(result: ScenarioResult | undefined): number {
	return result?.kind === 'ladder' ? result.steps.reduce((sum, step) => sum + step.messagesSent, 0) : 0;
}

function kneeText(result: LadderResult | undefined): string {
	const knee = result?.knee;
	return knee ? `${Math.round(knee.deliveredPerSec).toLocaleString('en-US')} deliveries/s, p50 ${knee.p50Ms.toFixed(1)} ms, p99 ${knee.p99Ms.toFixed(1)} ms, ${knee.serverMicrosPerDelivery.toFixed(2)} µs server CPU per delivery` : 'no passing step';
}

/**
`cluster2`: the fan-out 100 scenario on one node (`--data :memory:`), then on two `natter serve
--redis` nodes sharing a redis-server the bench starts, members and senders split over the two,
so every message crosses Redis. Both nodes and Redis run on the servers' core: the same CPU budget
as the one node, so the figures say what the cluster path costs, not how far it scales.
*/
export async function runClusterBench(options: ClusterBenchOptions): Promise<ClusterBenchOutcome> {
	const {progress} = options;
	const servers: BenchServer[] = [];
	let load: LoadGenerator | undefined;
	let redis: {child: ChildProcess; url: string} | undefined;
	const stopAll = async () => {
		await Promise.all(servers.splice(0).map(async server => server.stop(10_000)));
		await load?.stop();
		load = undefined;
		if (redis && redis.child.exitCode === null) {
			redis.child.kill('SIGKILL');
			await once(redis.child, 'exit');
		}
	};

	const common = {scenario: 'fanout', quick: options.quick, size: members, ...(options.rates ? {rates: options.rates} : {}), ...benchUsers} as const;
	let single: ScenarioResult | undefined;
	let cluster: ScenarioResult | undefined;
	let redisCost: {cpuMicrosPerMessage: number; commandsPerMessage: number; bytesPerMessage: number; messages: number} | undefined;
	const errors: string[] = [];
	try {
		progress('cluster2 [1 node]: starting natter serve --data :memory:');
		const one = await startServer({usersFile: options.usersFile, logFile: path.join(options.directory, 'server-cluster2-single.log'), core: options.serverCore, nodeArgs: options.nodeArgs, relay: false, data: ':memory:'});
		servers.push(one);
		load = startLoadGenerator(options.loadCore, options.loadNodeArgs);
		single = await load.run({...common, name: 'cluster2 [1 node, :memory:]', port: one.port, serverPid: one.pid}, progress);
	} catch (error) {
		errors.push(`1 node: ${error instanceof Error ? error.message : String(error)}`);
	} finally {
		await stopAll();
	}

	try {
		redis = await startRedis(options.directory, options.serverCore);
		progress(`cluster2 [2 nodes]: redis-server at ${redis.url}, starting two natter serve --redis`);
		for (const name of ['a', 'b']) {
			// eslint-disable-next-line no-await-in-loop
			servers.push(await startServer({usersFile: options.usersFile, logFile: path.join(options.directory, `server-cluster2-${name}.log`), core: options.serverCore, nodeArgs: options.nodeArgs, relay: false, data: ':memory:', redis: redis.url}));
		}

		const [first, second] = servers as [BenchServer, BenchServer];
		load = startLoadGenerator(options.loadCore, options.loadNodeArgs);
		const cpuBefore = readCpuSeconds(redis.child.pid!) ?? 0;
		const countersBefore = await redisCounters(redis.url);
		cluster = await load.run({...common, name: 'cluster2 [2 nodes on Redis]', port: first.port, ports: [first.port, second.port], serverPid: first.pid, clusterPids: [second.pid, redis.child.pid!]}, progress);
		const cpuAfter = readCpuSeconds(redis.child.pid!) ?? cpuBefore;
		const countersAfter = await redisCounters(redis.url);
		const messages = messagesSent(cluster);
		if (messages > 0) {
			redisCost = {
				messages,
				cpuMicrosPerMessage: ((cpuAfter - cpuBefore) * 1e6) / messages,
				commandsPerMessage: (countersAfter.commands - countersBefore.commands) / messages,
				bytesPerMessage: (countersAfter.bytesIn - countersBefore.bytesIn + countersAfter.bytesOut - countersBefore.bytesOut) / messages,
			};
		}
	} catch (error) {
		errors.push(`2 nodes: ${error instanceof Error ? error.message : String(error)}`);
	} finally {
		await stopAll();
	}

	const singleLadder = single?.kind === 'ladder' ? single : undefined;
	const clusterLadder = cluster?.kind === 'ladder' ? cluster : undefined;
	const lines = [
		...(single ? resultLines(single) : []),
		'',
		...(cluster ? resultLines(cluster) : []),
		...(redisCost ? [`  Redis per message (over the whole ladder, ${redisCost.messages} messages): ${redisCost.cpuMicrosPerMessage.toFixed(1)} µs CPU, ${redisCost.commandsPerMessage.toFixed(2)} commands, ${Math.round(redisCost.bytesPerMessage)} bytes in+out`] : []),
		'',
		`Two nodes on Redis vs one node (fan-out ${members}, members and senders split over the nodes; both nodes and redis-server on the one server core):`,
		`  1 node:  ${kneeText(singleLadder)}`,
		`  2 nodes: ${kneeText(clusterLadder)} (server CPU: both nodes and Redis)`,
		...(errors.length > 0 ? [`  FAILED: ${errors.join('; ')}`] : []),
		'',
	];
	const figures: Record<string, unknown> = {
		...(single ? {single: resultFigures(single)} : {}),
		...(cluster ? {twoNodes: resultFigures(cluster)} : {}),
		...(redisCost ? {redisPerMessage: {cpuMicros: Number(redisCost.cpuMicrosPerMessage.toFixed(2)), commands: Number(redisCost.commandsPerMessage.toFixed(2)), bytes: Math.round(redisCost.bytesPerMessage)}} : {}),
		...(errors.length > 0 ? {errors} : {}),
	};
	return {lines, figures};
}
