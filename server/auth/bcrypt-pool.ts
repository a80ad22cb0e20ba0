import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';
import type {BcryptJob, BcryptReply} from './bcrypt-jobs.js';

type Pending = {
	readonly job: BcryptJob;
	readonly resolve: (result: string | boolean) => void;
	readonly reject: (error: Error) => void;
};

type Slot = {
	readonly worker: Worker;
	current?: Pending;
	error?: Error;
};

export function defaultPoolSize(): number {
	return Math.max(1, availableParallelism() - 1);
}

/**
The built app runs dist/server/auth/bcrypt-pool.js and finds the compiled worker beside it.
Under vitest or tsx this module is the .ts source with no .js beside it, so the worker is the
.ts source, loaded through tsx's register(): on Node 20, `execArgv: ['--import', 'tsx']`
does not reach a worker's own entry module.
*/
export function startBcryptWorker(): Worker {
	if (!import.meta.url.endsWith('.ts')) {
		return new Worker(new URL('bcrypt-worker.js', import.meta.url));
	}

	const tsxApi = import.meta.resolve('tsx/esm/api');
	const workerSource = new URL('bcrypt-worker.ts', import.meta.url).href;
	const loader = `import(${JSON.stringify(tsxApi)}).then(tsx => { tsx.register(); return import(${JSON.stringify(workerSource)}); });`;
	return new Worker(loader, {eval: true});
}

/**
Runs bcryptjs in worker threads, so that a burst of logins (each compare is tens to hundreds of
milliseconds of CPU) never stalls the event loop that delivers messages. Jobs queue in order;
workers start on demand and hold the process open only while they have a job.
*/
export class BcryptPool {
	readonly size: number;
	readonly #startWorker: () => Worker;
	readonly #slots: Slot[] = [];
	readonly #queue: Pending[] = [];
	#closed = false;

	/** `startWorker` replaces the bcrypt worker, for tests of how the pool treats a worker that dies. */
	constructor(options: {size?: number; startWorker?: () => Worker} = {}) {
		const size = options.size ?? defaultPoolSize();
		if (!Number.isInteger(size) || size < 1) {
			throw new RangeError(`bcrypt pool size must be a positive integer, got ${size}`);
		}

		this.size = size;
		this.#startWorker = options.startWorker ?? startBcryptWorker;
	}

	/** Jobs waiting for a free worker. */
	get queued(): number {
		return this.#queue.length;
	}

	/** `cost` is bcrypt's log2 of rounds, 4 to 31; each step doubles the time. */
	async hash(password: string, cost: number): Promise<string> {
		// bcryptjs would quietly clamp a bad cost, and cost 31 keeps a worker busy for days.
		if (!Number.isInteger(cost) || cost < 4 || cost > 31) {
			throw new RangeError(`bcrypt cost must be an integer from 4 to 31, got ${cost}`);
		}

		return this.#run({op: 'hash', password, cost}) as Promise<string>;
	}

	async compare(password: string, hash: string): Promise<boolean> {
		return this.#run({op: 'compare', password, hash}) as Promise<boolean>;
	}

	/** Fails every queued and running job and stops the workers. */
	async close(): Promise<void> {
		this.#closed = true;
		const closed = new Error('bcrypt pool is closed');
		for (const pending of this.#queue.splice(0)) {
			pending.reject(closed);
		}

		await Promise.all(this.#slots.map(async slot => {
			slot.error = closed;
			await slot.worker.terminate();
		}));
	}

	async #run(job: BcryptJob): Promise<string | boolean> {
		if (this.#closed) {
			throw new Error('bcrypt pool is closed');
		}

		return new Promise((resolve, reject) => {
			this.#queue.push({job, resolve, reject});
			this.#dispatch();
		});
	}

	#dispatch(): void {
		while (this.#queue.length > 0 && !this.#closed) {
			const slot = this.#slots.find(candidate => candidate.current === undefined)
				?? (this.#slots.length < this.size ? this.#spawn() : undefined);
			if (slot === undefined) {
				return;
			}

			const pending = this.#queue.shift()!;
			slot.current = pending;
			slot.worker.ref();
			slot.worker.postMessage(pending.job);
		}
	}

	#spawn(): Slot {
		const worker = this.#startWorker();
		const slot: Slot = {worker};
		worker.unref();
		worker.on('message', (reply: BcryptReply) => {
			const pending = slot.current;
			slot.current = undefined;
			worker.unref();
			if (reply.ok) {
				pending?.resolve(reply.result);
			} else {
				pending?.reject(new Error(`bcrypt failed: ${reply.error}`));
			}

			this.#dispatch();
		});
		worker.on('error', error => {
			slot.error ??= error;
		});
		// A worker that dies fails its job instead of leaving it hanging; the next job starts a new worker.
		worker.on('exit', code => {
			this.#slots.splice(this.#slots.indexOf(slot), 1);
			const pending = slot.current;
			slot.current = undefined;
			pending?.reject(slot.error ?? new Error(`bcrypt worker stopped during the job (exit code ${code})`));
			this.#dispatch();
		});
		this.#slots.push(slot);
		return slot;
	}
}
