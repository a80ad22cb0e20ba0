import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type ServeProcess = {
	readonly child: ChildProcess;
	/** Everything written to stdout and stderr so far. */
	readonly stdout: () => string;
	readonly stderr: () => string;
	/** Resolves with the address from the `natter listening on <host>:<port>` line. */
	readonly listening: Promise<{host: string; port: number}>;
	/** Resolves with the first stderr line matching (already written or still to come). */
	waitForStderr(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
	/** Resolves with the exit code (or the signal name). */
	readonly exited: Promise<number | NodeJS.Signals>;
};

/** Spawns the built `natter serve` (run `npm run build` first). `env` is added to the current environment. */
export function spawnServe(args: readonly string[], env: Readonly<Record<string, string>> = {}): ServeProcess {
	const child = spawn(process.execPath, [cli, 'serve', ...args], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	const waiters = new Set<() => void>();
	const wake = () => {
		for (const waiter of waiters) {
			waiter();
		}
	};

	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
		wake();
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
		wake();
	});
	const exited = new Promise<number | NodeJS.Signals>(resolve => {
		child.on('exit', (code, signal) => {
			resolve(code ?? signal ?? -1);
			wake();
		});
	});

	const until = async <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> => new Promise<T>((resolve, reject) => {
		const waiter = () => {
			const value = check();
			if (value !== undefined) {
				finish();
				resolve(value);
			} else if (child.exitCode !== null || child.signalCode !== null) {
				finish();
				reject(new Error(`natter serve exited (${child.exitCode ?? child.signalCode}) before ${what}; stdout: ${stdout}; stderr: ${stderr}`));
			}
		};

		const timer = setTimeout(() => {
			finish();
			reject(new Error(`timed out waiting for ${what}; stdout: ${stdout}; stderr: ${stderr}`));
		}, timeoutMs);
		const finish = () => {
			clearTimeout(timer);
			waiters.delete(waiter);
		};

		waiters.add(waiter);
		waiter();
	});

	const listening = until(() => {
		const match = /^natter listening on (.+):(\d+)$/m.exec(stdout);
		return match ? {host: match[1]!, port: Number(match[2])} : undefined;
	}, 'the listening line', 15_000);
	// A test that expects a failure never awaits this one.
	listening.catch(() => {});

	return {
		child,
		stdout: () => stdout,
		stderr: () => stderr,
		listening,
		async waitForStderr(predicate, timeoutMs = 10_000) {
			return until(() => stderr.split('\n').find(line => predicate(line)), 'a matching stderr line', timeoutMs);
		},
		exited,
	};
}

/** Kills (SIGKILL) every process of `processes` still running and waits for each; empties the list. */
export async function killServes(processes: ServeProcess[]): Promise<void> {
	await Promise.all(processes.splice(0).map(async serve => {
		if (serve.child.exitCode === null && serve.child.signalCode === null) {
			serve.child.kill('SIGKILL');
			await serve.exited;
		}
	}));
}
