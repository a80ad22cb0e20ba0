import process from 'node:process';
import type {LoadMessage, ScenarioResult, ScenarioSpec} from '../types.js';
import {runConnect} from './connect.js';
import {runFanout} from './fanout.js';
import {runHistory} from './history.js';
import {runLoginStorm} from './login-storm.js';
import {runPrivate} from './private.js';
import {runResume} from './resume.js';

/*
The load generator: a separate process (pinned to its own core by the orchestrator) that takes
one scenario over IPC, runs it against the server and sends back the figures. It then waits to
be told to exit, so the orchestrator can stop the server before these sockets close.
*/

function send(message: LoadMessage): void {
	process.send?.(message);
}

const progress = (text: string) => {
	send({type: 'progress', text});
};

async function run(spec: ScenarioSpec): Promise<ScenarioResult> {
	switch (spec.scenario) {
		case 'fanout': {
			return runFanout(spec, progress);
		}

		case 'private': {
			return runPrivate(spec, progress);
		}

		case 'connect': {
			return runConnect(spec, progress);
		}

		case 'loginStorm': {
			return runLoginStorm(spec, progress);
		}

		case 'resume': {
			return runResume(spec, progress);
		}

		case 'history': {
			return runHistory(spec, progress);
		}
	}
}

if (!process.send) {
	console.error('dist/bench/load/main.js is the load generator that `npm run bench` starts; run that instead.');
	process.exit(2);
}

process.on('message', (message: {type: 'run'; spec: ScenarioSpec} | {type: 'exit'}) => {
	if (message.type === 'exit') {
		process.exit(0);
	}

	run(message.spec).then(
		result => {
			send({type: 'result', result});
		},
		(error: unknown) => {
			send({type: 'failed', message: error instanceof Error ? error.message : String(error)});
		},
	);
});
process.on('disconnect', () => {
	process.exit(0);
});
