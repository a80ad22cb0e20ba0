import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {createClient} from 'redis';
import {freePort, redisReady} from '../../bench/redis-process.js';

/** Is `redis-server` on PATH? The Redis tests skip (saying so) only when it is not; `.ci/run` installs it. */
export const redisServerAvailable = spawnSync('redis-server', ['--version'], {stdio: 'ignore'}).status === 0;

export const redisSkipReason = 'redis-server is not on PATH (apt-get install redis-server): the Redis cluster tests are skipped';

export type TestRedis = {
	readonly port: number;
	readonly url: string;
	/** SIGKILL the server (nothing flushed). */
	kill(): Promise<void>;
	/** Starts it again on the same port and directory (with `appendonly`, the data is back). */
	restart(): Promise<void>;
	/** Stops it and removes its directory. */
	stop(): Promise<void>;
	/** SIGSTOP: it keeps its sockets open and answers nothing (a hung Redis), until `resume`. */
	pause(): void;
	resume(): void;
};

/** Gives a cluster-mode server every slot and waits until it says the cluster is ok. */
async function ownAllSlots(port: number): Promise<void> {
	const client = createClient({url: `redis://127.0.0.1:${port}`});
	await client.connect();
	try {
		await client.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
		const deadline = Date.now() + 10_000;
		while (!String(await client.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok')) {
			if (Date.now() > deadline) {
				throw new Error(`redis-server on port ${port} did not reach cluster_state:ok`);
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 20);
			});
		}
	} finally {
		await client.close();
	}
}

/**
A private `redis-server` for one test file: a free port, a temporary `--dir`, no RDB snapshots
(`--save ''`); `appendonly` (fsync always) when a test restarts it and needs the data back;
`cluster`: in Redis Cluster mode, one node holding every slot, so that a script or command whose
keys span slots is refused with CROSSSLOT as on a real cluster. Never the system Redis on 6379.
*/
export async function startRedis(options: {appendonly?: boolean; cluster?: boolean} = {}): Promise<TestRedis> {
	const dir = await mkdtemp(path.join(tmpdir(), 'natter-redis-'));
	const port = await freePort();
	const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--loglevel', 'notice',
		...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
		...(options.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf')] : [])];
	let child: ChildProcess | undefined;
	const launch = async () => {
		const started = spawn('redis-server', args, {stdio: ['ignore', 'pipe', 'pipe']});
		child = started;
		await redisReady(started, port);
	};

	const halt = async (signal: NodeJS.Signals) => {
		const running = child;
		child = undefined;
		if (!running || running.exitCode !== null || running.signalCode !== null) {
			return;
		}

		const exited = new Promise(resolve => {
			running.once('exit', resolve);
		});
		running.kill(signal);
		await exited;
	};

	await launch();
	if (options.cluster) {
		await ownAllSlots(port);
	}

	return {
		port,
		url: `redis://127.0.0.1:${port}`,
		async kill() {
			await halt('SIGKILL');
		},
		async restart() {
			await halt('SIGKILL');
			await launch();
		},
		async stop() {
			child?.kill('SIGCONT');
			await halt('SIGKILL');
			await rm(dir, {recursive: true, force: true});
		},
		pause() {
			child?.kill('SIGSTOP');
		},
		resume() {
			child?.kill('SIGCONT');
		},
	};
}
