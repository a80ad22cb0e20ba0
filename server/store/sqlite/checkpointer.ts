import {createRequire} from 'node:module';
import {Worker} from 'node:worker_threads';

/**
Plain CommonJS run with `eval`, so it needs no build step and no TypeScript loader: its own
connection to the file, checkpointing the WAL into the database every `intervalMs`.
*/
const source = `
const {parentPort, workerData} = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
	try {
		db.pragma('wal_checkpoint(PASSIVE)');
	} catch (error) {
		parentPort.postMessage({error: String(error && error.message || error)});
	}
}, workerData.intervalMs);
parentPort.on('message', () => {
	clearInterval(timer);
	db.close();
	parentPort.close();
});
`;

/**
Moves WAL checkpoints (copying committed pages into the database file, with an fsync) off the
event loop: on this machine they were ~40 % of the cost of a commit and its longest stalls. The
writer's own connection runs with `wal_autocheckpoint = 0` while this runs.
*/
export class Checkpointer {
	readonly #worker: Worker;
	readonly #exited: Promise<void>;
	#failed = false;

	/** `onFailure` runs once if the worker cannot checkpoint (the writer then checkpoints itself again). */
	constructor(file: string, intervalMs: number, onFailure: (reason: string) => void) {
		const module = createRequire(import.meta.url).resolve('better-sqlite3');
		this.#worker = new Worker(source, {eval: true, workerData: {module, file, intervalMs}});
		this.#worker.unref();
		const fail = (reason: string) => {
			if (!this.#failed) {
				this.#failed = true;
				onFailure(reason);
			}
		};

		this.#worker.on('message', (message: {error?: string}) => {
			fail(message.error ?? 'unknown error');
		});
		this.#worker.on('error', error => {
			fail(error.message);
		});
		this.#exited = new Promise(resolve => {
			this.#worker.once('exit', code => {
				if (code !== 0) {
					fail(`the checkpoint thread exited with code ${code}`);
				}

				resolve();
			});
		});
	}

	/** Closes the worker's connection and waits for it to end. */
	async stop(): Promise<void> {
		this.#failed = true;
		this.#worker.ref(); // Else an otherwise idle process could exit before the worker closes its connection.
		this.#worker.postMessage('stop');
		await this.#exited;
	}
}
