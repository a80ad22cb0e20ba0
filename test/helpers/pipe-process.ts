import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type PipeEvent = Record<string, unknown> & {type: string};

export type Exit = {readonly code: number | null; readonly signal: NodeJS.Signals | null};

const defaultTimeoutMs = 10_000;

/**
`node dist/cli.js pipe …` as a child process: its stdout read as JSON events, stdin written
line by line. The environment holds no NATTER_* variable except those given.
*/
export class PipeProcess {
	static start(args: readonly string[], env: Readonly<Record<string, string>> = {}): PipeProcess {
		const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NATTER_')));
		return new PipeProcess(spawn(process.execPath, [cli, 'pipe', ...args], {env: {...clean, ...env}}));
	}

	readonly child: ChildProcessWithoutNullStreams;
	readonly events: PipeEvent[] = [];
	/** stdout lines that are not JSON objects (there should be none). */
	readonly junk: string[] = [];
	stderr = '';
	readonly exit: Promise<Exit>;
	#pending = '';
	#exited = false;
	readonly #waiters = new Set<() => void>();

	private constructor(child: ChildProcessWithoutNullStreams) {
		this.child = child;
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (chunk: string) => {
			this.#pending += chunk;
			let end = this.#pending.indexOf('\n');
			while (end !== -1) {
				this.#add(this.#pending.slice(0, end));
				this.#pending = this.#pending.slice(end + 1);
				end = this.#pending.indexOf('\n');
			}

			this.#wake();
		});
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			this.stderr += chunk;
		});
		child.stdin.on('error', () => {});
		this.exit = new Promise(resolve => {
			child.on('close', (code, signal) => {
				this.#exited = true;
				this.#wake();
				resolve({code, signal});
			});
		});
	}

	send(line: string | Uint8Array): void {
		this.child.stdin.write(typeof line === 'string' ? `${line}\n` : line);
	}

	end(): void {
		this.child.stdin.end();
	}

	/** The first event (from the start) that matches; fails when the process exits or time runs out first. */
	async waitFor(predicate: (event: PipeEvent) => boolean, what = 'an event', timeoutMs = defaultTimeoutMs): Promise<PipeEvent> {
		return new Promise((resolve, reject) => {
			const check = () => {
				const found = this.events.find(event => predicate(event));
				if (found || this.#exited) {
					clearTimeout(timer);
					this.#waiters.delete(check);
					if (found) {
						resolve(found);
					} else {
						reject(new Error(`pipe exited before ${what}; stdout: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`));
					}
				}
			};

			const timer = setTimeout(() => {
				this.#waiters.delete(check);
				reject(new Error(`no ${what} within ${timeoutMs} ms; stdout: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`));
			}, timeoutMs);
			this.#waiters.add(check);
			check();
		});
	}

	async loggedIn(): Promise<PipeEvent> {
		return this.waitFor(event => event.type === 'login_ok', 'login_ok');
	}

	/** Replies to the script's lines and to the final /exit: `ok` and `error` events with an id. */
	replies(): PipeEvent[] {
		return this.events.filter(event => (event.type === 'ok' || event.type === 'error') && event['id'] !== 'login');
	}

	kill(): void {
		if (!this.#exited) {
			this.child.kill('SIGKILL');
		}
	}

	#add(line: string): void {
		try {
			const value: unknown = JSON.parse(line);
			if (typeof value === 'object' && value !== null && typeof (value as {type?: unknown}).type === 'string') {
				this.events.push(value as PipeEvent);
				return;
			}
		} catch {}

		this.junk.push(line);
	}

	#wake(): void {
		for (const waiter of this.#waiters) {
			waiter();
		}
	}
}
