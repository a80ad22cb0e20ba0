import {Worker} from 'node:worker_threads';
import type Database from 'better-sqlite3';
import {StoreUnavailableError} from '../../core/store.js';
import {Executor} from './executor.js';
import type {Control, JobBody, JobResults, Op, Reply, WorkerMessage, WriterSetup} from './jobs.js';

/**
The built app finds the compiled worker beside this module; under vitest or tsx this module is
the .ts source, so the worker is the .ts source loaded through tsx's register() (as for bcrypt).
*/
function startWorker(setup: WriterSetup): Worker {
	if (!import.meta.url.endsWith('.ts')) {
		return new Worker(new URL('writer-worker.js', import.meta.url), {workerData: setup});
	}

	const tsxApi = import.meta.resolve('tsx/esm/api');
	const source = new URL('writer-worker.ts', import.meta.url).href;
	const loader = `import(${JSON.stringify(tsxApi)}).then(tsx => { tsx.register(); return import(${JSON.stringify(source)}); });`;
	return new Worker(loader, {eval: true, workerData: setup});
}

/** The writes of one event-loop turn, sent as one job; every write's promise waits on `done`. */
export class Batch {
	/** LOG_COLUMNS values per message. */
	readonly log: Array<number | string> = [];
	readonly ops: Op[] = [];
	/** The writer job that carries it, once sent. */
	jobId = 0;
	readonly done: Promise<void>;
	resolve!: () => void;
	reject!: (error: Error) => void;

	constructor() {
		this.done = new Promise<void>((resolve, reject) => {
			this.resolve = resolve;
			this.reject = reject;
		});
		// Callers chain their own promises on this one; this one must not count as unhandled.
		this.done.catch(() => undefined);
	}
}

type Pending = {readonly resolve: (result: JobResults[keyof JobResults]) => void; readonly reject: (error: Error) => void};

export type WriterEvents = {
	/** A job failed: every pending job has been rejected; re-read the database, then call `resume()`. */
	readonly onFailure: (error: StoreUnavailableError) => void;
	/** The writer thread is gone: nothing can be written any more. */
	readonly onFatal: (error: StoreUnavailableError) => void;
};

/** The event loop's side of the writer thread: jobs in, promises out, in order. */
export class WriterClient implements JobRunner {
	/** Starts the writer thread and waits until its connection is open. */
	static async start(setup: Omit<WriterSetup, 'committed'>, events: WriterEvents): Promise<WriterClient> {
		const committed = new SharedArrayBuffer(4);
		const worker = startWorker({...setup, committed});
		const client = new WriterClient(worker, setup.file, events, new Int32Array(committed));
		await client.#ready;
		return client;
	}

	readonly #worker: Worker;
	readonly #file: string;
	readonly #events: WriterEvents;
	readonly #pending = new Map<number, Pending>();
	/** Written by the writer thread: the id of the last job it committed. */
	readonly #committed: Int32Array;
	readonly #ready: Promise<void>;
	readonly #exited: Promise<void>;
	#nextId = 1;
	#closing = false;
	#dead: StoreUnavailableError | undefined;

	private constructor(worker: Worker, file: string, events: WriterEvents, committed: Int32Array) {
		this.#worker = worker;
		this.#committed = committed;
		this.#file = file;
		this.#events = events;
		let ready: () => void;
		let failed: (error: Error) => void;
		this.#ready = new Promise<void>((resolve, reject) => {
			ready = resolve;
			failed = reject;
		});
		worker.on('message', (message: WorkerMessage) => {
			switch (message.kind) {
				case 'ready': {
					ready();
					if (this.#pending.size === 0) {
						worker.unref();
					}

					break;
				}

				case 'fatal': {
					failed(new Error(`the writer thread could not open it: ${message.error}`));
					break;
				}

				case 'replies': {
					this.#replies(message.replies);
					break;
				}
			}
		});
		worker.on('error', error => {
			failed(error);
			this.#die(error.message);
		});
		this.#exited = new Promise(resolve => {
			worker.once('exit', code => {
				failed(new Error(`the writer thread exited with code ${code}`));
				if (!this.#closing) {
					this.#die(`the writer thread exited with code ${code}`);
				}

				resolve();
			});
		});
		// Once it is ready, only pending jobs keep the process alive.
	}

	send<K extends JobBody['kind']>(job: Extract<JobBody, {kind: K}>): Promise<JobResults[K]> {
		if (this.#dead !== undefined) {
			return Promise.reject(this.#dead);
		}

		const id = this.#nextId++;
		const result = new Promise<JobResults[K]>((resolve, reject) => {
			this.#pending.set(id, {resolve: resolve as Pending['resolve'], reject});
		});
		if (this.#pending.size === 1) {
			this.#worker.ref();
		}

		this.#worker.postMessage({...job, id});
		return result;
	}

	get lastJobId(): number {
		return this.#nextId - 1;
	}

	/** Read from shared memory: may be ahead of the replies this thread has taken. */
	committedThrough(): number {
		return Atomics.load(this.#committed, 0);
	}

	/** After a failure, once the main thread has re-read the database. */
	resume(): void {
		this.#control({kind: 'resume'});
	}

	/** Lets the writer finish what it was sent, close its connection and end. */
	async close(): Promise<void> {
		if (!this.#closing) {
			this.#closing = true;
			this.#worker.ref();
			this.#control({kind: 'close'});
		}

		await this.#exited;
	}

	#control(message: Control): void {
		if (this.#dead === undefined) {
			this.#worker.postMessage(message);
		}
	}

	#replies(replies: readonly Reply[]): void {
		for (const reply of replies) {
			const pending = this.#pending.get(reply.id);
			if (pending === undefined) {
				continue; // Failed already, with the job that failed first.
			}

			this.#pending.delete(reply.id);
			if (reply.ok) {
				pending.resolve(reply.result);
			} else {
				const error = new StoreUnavailableError(`could not write to the message store ${this.#file}: ${reply.error}`);
				pending.reject(error);
				this.#rejectAll(error);
				this.#events.onFailure(error);
			}
		}

		if (this.#pending.size === 0) {
			this.#worker.unref();
		}
	}

	#rejectAll(error: Error): void {
		const pending = [...this.#pending.values()];
		this.#pending.clear();
		for (const {reject} of pending) {
			reject(error);
		}
	}

	#die(reason: string): void {
		if (this.#dead !== undefined) {
			return;
		}

		this.#dead = new StoreUnavailableError(`the message store ${this.#file} cannot be written: ${reason}`);
		this.#rejectAll(this.#dead);
		this.#events.onFatal(this.#dead);
	}
}

/** What the store needs of a writer: the thread above, or the same jobs run on the caller's thread. */
export type JobRunner = {
	send<K extends JobBody['kind']>(job: Extract<JobBody, {kind: K}>): Promise<JobResults[K]>;
	/** The id of the job `send` took last. */
	readonly lastJobId: number;
	/**
	The id of the last job committed, as an Int32 (compare with `(through - id) | 0 >= 0`): known
	before that job's promise settles, so writes waiting for the commit can go at once.
	*/
	committedThrough(): number;
	resume(): void;
	close(): Promise<void>;
};

/**
Runs the jobs on the event loop's thread, each at once in its own transaction (`writer: 'inline'`):
no thread, so nothing to copy, but the loop waits for every commit and WAL checkpoint.
*/
export class InlineWriter implements JobRunner {
	readonly #executor: Executor;
	readonly #file: string;
	readonly #events: WriterEvents;

	#lastJobId = 0;
	#committed = 0;

	constructor(db: Database.Database, file: string, events: WriterEvents) {
		this.#executor = new Executor(db);
		this.#file = file;
		this.#events = events;
	}

	get lastJobId(): number {
		return this.#lastJobId;
	}

	committedThrough(): number {
		return this.#committed;
	}

	async send<K extends JobBody['kind']>(job: Extract<JobBody, {kind: K}>): Promise<JobResults[K]> {
		const id = ++this.#lastJobId | 0;
		const reply = this.#executor.run([{...job, id}])[0]!;
		if (reply.ok) {
			this.#committed = id;
			return reply.result as JobResults[K];
		}

		const error = new StoreUnavailableError(`could not write to the message store ${this.#file}: ${reply.error}`);
		this.#events.onFailure(error);
		throw error;
	}

	resume(): void {
		this.#executor.resume();
	}

	async close(): Promise<void> {}
}
