import {type ChildProcess, spawn} from 'node:child_process';
import {once} from 'node:events';
import {openSync, closeSync, readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import type {LoadMessage, ScenarioResult, ScenarioSpec} from './types.js';

const cliPath = fileURLToPath(new URL('../cli.js', import.meta.url));
const loadMainPath = fileURLToPath(new URL('load/main.js', import.meta.url));
const relayPath = fileURLToPath(new URL('relay-server.js', import.meta.url));

/** 10 000 held connections need more descriptors than the usual 1024: ask for 65536, else the hard limit. */
const raiseFdLimit = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"';

function quote(word: string): string {
	return `'${word.replaceAll('\'', '\'\\\'\'')}'`;
}

/** `exec` through bash to raise the descriptor limit and pin to a core; the pid stays the node process's. */
function spawnPinned(core: number | undefined, args: readonly string[], stdio: Parameters<typeof spawn>[2]['stdio']): ChildProcess {
	const pin = core === undefined ? '' : `taskset -c ${core} `;
	const command = `${raiseFdLimit}; exec ${pin}${[process.execPath, ...args].map(word => quote(word)).join(' ')}`;
	return spawn('bash', ['-c', command], {stdio});
}

export type BenchServer = {
	readonly pid: number;
	readonly port: number;
	/** With `irc`: the IRC listener's port. */
	readonly ircPort: number | undefined;
	/** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`); resolves with the seconds it took and whether it had to be killed. */
	stop(timeoutMs?: number): Promise<{seconds: number; killed: boolean}>;
};

/** Resolves true when the child had to be killed (it did not exit within `timeoutMs`). */
async function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
	if (child.exitCode !== null || child.signalCode !== null) {
		return false;
	}

	let killed = false;
	const timer = setTimeout(() => {
		killed = true;
		child.kill('SIGKILL');
	}, timeoutMs);
	await once(child, 'exit');
	clearTimeout(timer);
	return killed;
}

export type ServerOptions = {
	usersFile: string;
	logFile: string;
	core: number | undefined;
	nodeArgs: readonly string[];
	relay: boolean;
	/** `--data`: a SQLite file or `:memory:`. */
	data: string;
	/** `--redis URL` instead of `--data`: a node of a cluster. */
	redis?: string;
	/** `--history-max` (the per-conversation cap; 0: none), when not the server's default. */
	historyMax?: number;
	/** Also `--irc-port 0`. */
	irc?: boolean;
};

/** `natter serve` on a free port with the flood limit off (`--rate 0`) and no login queue bound, logs to `logFile`. */
export async function startServer(options: ServerOptions): Promise<BenchServer> {
	const logFd = openSync(options.logFile, 'a');
	const server = options.relay ? [relayPath] : [
		cliPath, 'serve', '--host', '127.0.0.1', '--port', '0', '--users', options.usersFile, '--rate', '0', '--log-format', 'json', ...(options.redis ? ['--redis', options.redis] : ['--data', options.data]),
		// The login storm sends 500 cost-10 logins at once to one bcrypt worker (~37 s of checks): no queue
		// bound, and a login clock that outlasts the queue (it runs while a check waits for a worker).
		'--login-queue', '0', '--login-timeout', '120',
		...(options.historyMax === undefined ? [] : ['--history-max', String(options.historyMax)]),
		...(options.irc ? ['--irc-port', '0'] : []),
	];
	const child = spawnPinned(options.core, [...options.nodeArgs, ...server], ['ignore', 'pipe', logFd]);
	closeSync(logFd);
	const lines = createInterface({input: child.stdout!});
	let ircPort: number | undefined;
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => {
			reject(new Error('natter serve did not print its listening line within 20 s'));
		}, 20_000);
		let mainPort: number | undefined;
		lines.on('line', line => {
			const match = /^natter (irc )?listening on (.+):(\d+)$/.exec(line);
			if (match?.[1]) {
				ircPort = Number(match[3]);
			} else if (match) {
				mainPort = Number(match[3]);
			}

			// With --irc-port its line comes right after the first one.
			if (mainPort !== undefined && (!options.irc || ircPort !== undefined)) {
				clearTimeout(timer);
				resolve(mainPort);
			}
		});
		child.on('exit', code => {
			clearTimeout(timer);
			const log = readFileSync(options.logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
			reject(new Error(`natter serve exited with ${code} before listening:\n${log}`));
		});
	});
	return {
		pid: child.pid!,
		port,
		ircPort,
		async stop(timeoutMs = 60_000) {
			const started = performance.now();
			child.kill('SIGTERM');
			const killed = await waitExit(child, timeoutMs);
			return {seconds: (performance.now() - started) / 1000, killed};
		},
	};
}

export type LoadGenerator = {
	run(spec: ScenarioSpec, progress: (text: string) => void): Promise<ScenarioResult>;
	stop(): Promise<void>;
};

/** One load-generator process, spoken to over IPC. */
export function startLoadGenerator(core: number | undefined, nodeArgs: readonly string[] = []): LoadGenerator {
	const child = spawnPinned(core, [...nodeArgs, loadMainPath], ['ignore', 'inherit', 'inherit', 'ipc']);
	return {
		async run(spec, progress) {
			return new Promise<ScenarioResult>((resolve, reject) => {
				const onMessage = (message: LoadMessage) => {
					if (message.type === 'progress') {
						progress(message.text);
						return;
					}

					child.off('message', onMessage);
					child.off('exit', onExit);
					if (message.type === 'result') {
						resolve(message.result);
					} else {
						reject(new Error(message.message));
					}
				};

				const onExit = (code: number | null) => {
					reject(new Error(`the load generator exited with ${code}`));
				};

				child.on('message', onMessage);
				child.on('exit', onExit);
				child.send({type: 'run', spec});
			});
		},
		async stop() {
			if (child.connected) {
				child.send({type: 'exit'});
			}

			await waitExit(child, 10_000);
		},
	};
}
