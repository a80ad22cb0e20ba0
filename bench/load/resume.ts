import net from 'node:net';
import {setTimeout as sleep} from 'node:timers/promises';
import {LineFramer} from '../../source/protocol/index.js';
import {CpuMeter, ownCpuSeconds, readCpuSeconds, readMachineBusySeconds} from '../proc.js';
import {timingOf} from '../store-figures.js';
import type {ResumeCase, ResumeResult, ScenarioSpec} from '../types.js';
import {DeliveryCounter} from './counter.js';
import {GroupFiller} from './fill.js';
import {openGroup} from './group.js';

const group = 'resume';
const missed = 1000;
const framerLimits = {maxLineBytes: 16 * 1024 * 1024, hardCapBytes: 16 * 1024 * 1024};

type ResumeTimes = {loginOkMs: number; lastMessageMs: number; resumedMs: number; messages: number};

/**
One resume as a reconnecting client does it: connect, `hello` (protocol 2) and its `welcome`, then
the clock starts as `login` goes out with `resume: {"#resume": after}`; it reads `login_ok`, the
missed `group_msg` events (the last has seq `last`) and `resumed`. Lines are split but only the
few that matter are parsed.
*/
async function resumeOnce(options: {port: number; user: string; password: string; after: number; last: number}): Promise<ResumeTimes> {
	const framer = new LineFramer(framerLimits);
	const socket = net.connect({host: '127.0.0.1', port: options.port});
	socket.setNoDelay(true);
	const lastSeq = `"seq":${options.last},`;
	try {
		return await new Promise<ResumeTimes>((resolve, reject) => {
			let started = 0;
			const times: ResumeTimes = {loginOkMs: -1, lastMessageMs: -1, resumedMs: -1, messages: 0};
			let groupMessages = 0;
			const timer = setTimeout(() => {
				reject(new Error(`resume of ${options.user} after seq ${options.after}: no resumed within 30 s (${groupMessages} messages read)`));
			}, 30_000);
			socket.on('error', error => {
				clearTimeout(timer);
				reject(error);
			});
			socket.on('close', () => {
				clearTimeout(timer);
				reject(new Error('connection closed during the resume'));
			});
			socket.write('{"type":"hello","protocol":2,"client":"natter-bench-resume"}\n');
			socket.on('data', (chunk: Buffer) => {
				const now = performance.now();
				for (const frame of framer.push(chunk)) {
					if (frame.kind !== 'line' || !frame.text.startsWith('{')) {
						continue;
					}

					const line = frame.text;
					if (line.startsWith('{"type":"group_msg"')) {
						groupMessages++;
						if (line.includes(lastSeq)) {
							times.lastMessageMs = now - started;
						}

						continue;
					}

					const event = JSON.parse(line) as {type?: string; messages?: number; gaps?: number; message?: string};
					switch (event.type) {
						case 'welcome': {
							started = performance.now();
							socket.write(`${JSON.stringify({type: 'login', id: 'login', user: options.user, password: options.password, resume: {[`#${group}`]: options.after}})}\n`);
							break;
						}

						case 'login_ok': {
							times.loginOkMs = now - started;
							break;
						}

						case 'resumed': {
							times.resumedMs = now - started;
							times.messages = groupMessages;
							clearTimeout(timer);
							if (event.messages !== groupMessages || event.gaps !== 0 || times.lastMessageMs < 0) {
								reject(new Error(`resumed says ${event.messages} messages and ${event.gaps} gaps; read ${groupMessages}, the last (seq ${options.last}) ${times.lastMessageMs < 0 ? 'not' : ''} among them`));
							} else {
								resolve(times);
							}

							break;
						}

						case 'error': {
							clearTimeout(timer);
							reject(new Error(`resume of ${options.user}: ${event.message ?? 'error'}`));
							break;
						}

						default:
					}
				}
			});
		});
	} finally {
		socket.destroy();
	}
}

function caseOf(runs: readonly ResumeTimes[]): ResumeCase {
	return {
		loginOk: timingOf(runs.map(run => run.loginOkMs)),
		lastMessage: timingOf(runs.map(run => run.lastMessageMs)),
		resumed: timingOf(runs.map(run => run.resumedMs)),
		messages: Math.min(...runs.map(run => run.messages)),
	};
}

/**
A group of two: one member sends, the other (offline) comes back with `resume` and gets the 1000
messages it missed. `recent`: each repetition first sends 1000 new messages (every `ok` awaited),
then resumes at once, so the missed messages are the store's newest. `idle`: after 2.5 s without
writes (the SQLite store has indexed its tail by then and reads it back from disk) the same 1000
are resumed again and again.
*/
export async function runResume(spec: ScenarioSpec, progress: (text: string) => void): Promise<ResumeResult> {
	const [sender, resumer] = await openGroup({port: spec.port, members: 2, userName: index => `${spec.userPrefix}${index}`, password: spec.password, group});
	const user = `${spec.userPrefix}1`;
	resumer!.destroy();
	const counter = new DeliveryCounter(2);
	sender!.count(counter);
	const filler = new GroupFiller([sender!], counter, group);
	const repetitions = spec.quick ? 20 : 50;
	const serverMeter = new CpuMeter(() => readCpuSeconds(spec.serverPid));
	const loadMeter = new CpuMeter(ownCpuSeconds);
	const machineMeter = new CpuMeter(readMachineBusySeconds);
	await sleep(200);
	let last = 0;
	const recent: ResumeTimes[] = [];
	progress(`${spec.name}: ${repetitions} × (send ${missed} messages, resume them)`);
	for (let repetition = 0; repetition < repetitions; repetition++) {
		// eslint-disable-next-line no-await-in-loop
		await filler.send(missed, missed);
		last += missed;
		// eslint-disable-next-line no-await-in-loop
		recent.push(await resumeOnce({port: spec.port, user, password: spec.password, after: last - missed, last}));
	}

	await sleep(2500);
	const idle: ResumeTimes[] = [];
	progress(`${spec.name}: ${repetitions} × resume the same ${missed} after 2.5 s idle`);
	for (let repetition = 0; repetition < repetitions; repetition++) {
		// eslint-disable-next-line no-await-in-loop
		idle.push(await resumeOnce({port: spec.port, user, password: spec.password, after: last - missed, last}));
		// eslint-disable-next-line no-await-in-loop
		await sleep(20);
	}

	const serverCpu = serverMeter.read();
	const otherCpu = Math.max(0, machineMeter.read() - serverCpu - loadMeter.read());
	const result: ResumeResult = {kind: 'resume', name: spec.name, missed, repetitions, recent: caseOf(recent), idle: caseOf(idle), serverCpu, otherCpu};
	progress(`${spec.name}: to resumed p50/p99 ${result.recent.resumed.p50Ms.toFixed(1)}/${result.recent.resumed.p99Ms.toFixed(1)} ms (recent), ${result.idle.resumed.p50Ms.toFixed(1)}/${result.idle.resumed.p99Ms.toFixed(1)} ms (idle)`);
	return result;
}
