/** The writer thread: its own connection to the store file, running the jobs the event loop's thread sends. */
import {parentPort, receiveMessageOnPort, workerData} from 'node:worker_threads';
import Database from 'better-sqlite3';
import {Executor} from './executor.js';
import type {Control, Job, WorkerMessage, WriterSetup} from './jobs.js';

const port = parentPort!;
const setup = workerData as WriterSetup;
const committed = new Int32Array(setup.committed);
const post = (message: WorkerMessage) => {
	port.postMessage(message);
};

let db: Database.Database;
let executor: Executor;
try {
	db = new Database(setup.file);
	db.pragma('busy_timeout = 2000');
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = NORMAL');
	for (const pragma of setup.pragmas) {
		db.pragma(pragma);
	}

	executor = new Executor(db);
	post({kind: 'ready'});
} catch (error) {
	post({kind: 'fatal', error: error instanceof Error ? error.message : String(error)});
	port.close();
	process.exit(0);
}

/** Takes every message already queued, so that batches waiting together commit together. */
port.on('message', (first: Job | Control) => {
	const messages: Array<Job | Control> = [first];
	for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) {
		messages.push(next.message as Job | Control);
	}

	let jobs: Job[] = [];
	const runJobs = () => {
		if (jobs.length > 0) {
			const replies = executor.run(jobs);
			// Replies are in job order and every job after a failure fails: the ok ones lead.
			let through: number | undefined;
			for (const reply of replies) {
				if (!reply.ok) {
					break;
				}

				through = reply.id;
			}

			if (through !== undefined) {
				Atomics.store(committed, 0, through | 0);
			}

			post({kind: 'replies', replies});
			jobs = [];
		}
	};

	for (const message of messages) {
		if (message.kind === 'resume') {
			runJobs();
			executor.resume();
		} else if (message.kind === 'close') {
			runJobs();
			db.close();
			port.close();
			return;
		} else {
			jobs.push(message);
		}
	}

	runJobs();
});
