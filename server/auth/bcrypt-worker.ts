import {parentPort} from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import type {BcryptJob, BcryptReply} from './bcrypt-jobs.js';

function perform(job: BcryptJob): string | boolean {
	return job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
}

// One job at a time: the synchronous bcryptjs calls are the point of running in a worker.
parentPort?.on('message', (job: BcryptJob) => {
	let reply: BcryptReply;
	try {
		reply = {ok: true, result: perform(job)};
	} catch (error) {
		reply = {ok: false, error: error instanceof Error ? error.message : String(error)};
	}

	parentPort?.postMessage(reply);
});
