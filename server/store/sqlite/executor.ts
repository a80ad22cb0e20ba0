import type Database from 'better-sqlite3';
import type {Job, JobResults, Reply} from './jobs.js';
import {Retention} from './retention.js';
import {RunTable} from './runs.js';
import {inTransaction, Writer} from './writer.js';

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
Runs jobs on the writer thread, in order, each in its own transaction except that consecutive
batches share one. After a failure every job fails until `resume()` (the main thread re-reads the
database meanwhile and has already failed whatever it had sent).
*/
export class Executor {
	readonly #db: Database.Database;
	readonly #writer: Writer;
	readonly #retention: Retention;
	#failed = false;
	#commits = 0;

	constructor(db: Database.Database) {
		this.#db = db;
		const runs = new RunTable(db);
		this.#writer = new Writer(db, runs);
		this.#retention = new Retention(db, runs);
	}

	resume(): void {
		this.#failed = false;
	}

	run(jobs: readonly Job[]): Reply[] {
		const replies: Reply[] = [];
		let index = 0;
		while (index < jobs.length) {
			let end = index + 1;
			if (jobs[index]!.kind === 'batch') {
				while (end < jobs.length && jobs[end]!.kind === 'batch') {
					end++;
				}
			}

			const group = jobs.slice(index, end);
			index = end;
			if (this.#failed) {
				replies.push(...group.map(job => ({id: job.id, ok: false as const, error: 'an earlier write failed'})));
				continue;
			}

			try {
				replies.push(...this.#transaction(group));
			} catch (error) {
				this.#failed = true;
				const message = describe(error);
				replies.push(...group.map(job => ({id: job.id, ok: false as const, error: message})));
			}
		}

		return replies;
	}

	#transaction(group: readonly Job[]): Reply[] {
		const started = performance.now();
		const results = inTransaction(this.#db, () => group.map(job => this.#job(job)));
		const ms = performance.now() - started;
		this.#commits++;
		return group.map((job, i) => {
			const result = results[i]!;
			return {id: job.id, ok: true, result: typeof result === 'number' ? (job.kind === 'batch' ? {rows: result, ms, commit: this.#commits} : {rows: result, ms}) : result};
		});
	}

	#job(job: Job): number | JobResults['age'] | JobResults['floor'] {
		switch (job.kind) {
			case 'batch': {
				return this.#writer.write(job.log, job.ops);
			}

			case 'index': {
				return this.#writer.index(job.entries, job.scanFrom);
			}

			case 'age': {
				return this.#retention.ageStep(job.cursor, job.scanFrom, job.cutoff);
			}

			case 'floor': {
				return this.#retention.floorStep(job.cid, job.target, job.lastId);
			}
		}
	}
}
