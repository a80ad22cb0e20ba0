// TUI benchmark: the real chat screen, a real server, 10 000 stored messages of history, 50 incoming
// messages per second and a typist. Prints render time per frame, keystroke-to-frame latency
// and heap. Run alone with `node dist/bench/tui.js [--quick]`, or from bench/run.ts.
import {EventEmitter} from 'node:events';
import {fileURLToPath} from 'node:url';
import process from 'node:process';
import {render} from 'ink';
import {startServer} from '../server/index.js';
import {ChatConnection} from '../source/client/connection.js';
import {MAX_HISTORY_COUNT, parseCommand} from '../source/protocol/index.js';
import {ChatScreen} from '../source/ui/components/ChatScreen.js';
import {ChatSession} from '../source/ui/session.js';
import {chatReducer, initialChatState} from '../source/ui/state/chat-reducer.js';

const usersFile = fileURLToPath(new URL('../../users.txt', import.meta.url));
const historySize = 10_000;
const incomingPerSecond = 50;
const keysPerSecond = 10;
const columns = 100;
const rows = 30;

/** A terminal for Ink that keeps nothing but the time and content of each write. */
class FakeStdout extends EventEmitter {
	readonly columns = columns;
	readonly rows = rows;
	readonly isTTY = true;
	onWrite: (chunk: string) => void = () => undefined;
	write(chunk: string): boolean {
		this.onWrite(chunk);
		return true;
	}
}

class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	#data: string | null = null;
	write(data: string): void {
		this.#data = data;
		this.emit('readable');
	}

	read(): string | null {
		const data = this.#data;
		this.#data = null;
		return data;
	}

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) {
		return Number.NaN;
	}

	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Letters from a fixed pseudo-random sequence: any 12 in a row are unique on the screen. */
function* typist(): Generator<string> {
	let seed = 12_345;
	for (;;) {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		yield String.fromCharCode(97 + (seed % 26));
	}
}

export async function runTuiBench(options: {quick: boolean}): Promise<Record<string, number>> {
	const durationMs = options.quick ? 3000 : 10_000;
	const server = await startServer({host: '127.0.0.1', port: 0, usersFile, rate: 0, data: ':memory:'});
	const {host, port} = server.address;
	const bob = await ChatConnection.open({host, port, user: 'bob', password: 'builder'});
	await bob.request('/create_group bench');
	// Membership belongs to the name: alice joins, leaves, and comes back to a stored history.
	const joining = await ChatConnection.open({host, port, user: 'alice', password: 'wonderland'});
	await joining.request('/join_group bench');
	await joining.close();

	// The history is real: stored by the server, then fetched by the view page by page, as the TUI
	// does when scrolling back.
	for (let sent = 0; sent < historySize; sent += 500) {
		await Promise.all(Array.from({length: Math.min(500, historySize - sent)}, async (_, index) => {
			const number = sent + index;
			const from = number % 3 === 0 ? 'carol' : 'dave';
			const text = `history line ${number}: ${'lorem ipsum dolor sit amet '.repeat(1 + (number % 4))}`;
			return bob.request(`/group_msg bench ${from} said: ${text}`);
		}));
	}

	const session = await ChatSession.open({host, port, user: 'alice', password: 'wonderland', pingIntervalMs: 2000});
	let state = chatReducer(initialChatState({me: 'alice', server: `${host}:${port}`}), {type: 'select', key: '#bench'});
	let before: number | undefined;
	do {
		const line = before === undefined ? `/history #bench ${MAX_HISTORY_COUNT}` : `/history #bench before ${before} ${MAX_HISTORY_COUNT}`;
		const parsed = parseCommand(line);
		const reply = await session.send(line);
		if (!parsed.ok || reply.type !== 'ok' || reply.command !== 'history') {
			throw new Error(`cannot load the bench history: ${JSON.stringify(reply)}`);
		}

		state = chatReducer(state, {type: 'reply', command: parsed.command, reply, silent: true});
		before = reply.more ? reply.messages[0]?.seq : undefined;
	} while (before !== undefined);

	state = {...state, requests: []};
	const stdout = new FakeStdout();
	const stdin = new FakeStdin();
	const inkRenderMs: number[] = [];
	(globalThis as {gc?: () => void}).gc?.();
	const heapBefore = process.memoryUsage().heapUsed;
	const instance = render(
		// No <Profiler>: in React's development build it turns on per-component performance marks
		// (a deep props diff per render, kept in the performance timeline), which is not what users run.
		<ChatScreen session={session} initialState={state}/>,
		{
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			exitOnCtrlC: false,
			patchConsole: false,
			onRender({renderTime}) {
				inkRenderMs.push(renderTime);
			},
		},
	);

	let received = 0;
	const counter = (event: {type: string}) => {
		if (event.type === 'group_msg') {
			received++;
		}
	};

	session.on('events', events => {
		for (const event of events) {
			counter(event);
		}
	});

	// Let the first frame and the session's refresh settle before measuring.
	await new Promise(resolve => {
		setTimeout(resolve, 300);
	});
	inkRenderMs.length = 0;

	let sent = 0;
	const feeder = setInterval(() => {
		bob.request(`/group_msg bench load message ${sent++} with some words in it`).catch(() => undefined);
	}, 1000 / incomingPerSecond);

	const keyLatencyMs: number[] = [];
	const letters = typist();
	let typed = '';
	const started = performance.now();
	while (performance.now() - started < durationMs) {
		typed += letters.next().value!;
		const tail = typed.slice(-12);
		const shown = new Promise<number>(resolve => {
			const pressedAt = performance.now();
			stdout.onWrite = chunk => {
				if (chunk.includes(tail)) {
					stdout.onWrite = () => undefined;
					resolve(performance.now() - pressedAt);
				}
			};
		});
		stdin.write(typed.at(-1)!);
		const timeout = new Promise<number>(resolve => {
			setTimeout(() => {
				resolve(Number.NaN);
			}, 2000);
		});
		keyLatencyMs.push(await Promise.race([shown, timeout]));
		await new Promise(resolve => {
			setTimeout(resolve, 1000 / keysPerSecond);
		});
	}

	clearInterval(feeder);
	// With --expose-gc the heap figure is live data, not garbage waiting for a collection.
	const collect = (globalThis as {gc?: () => void}).gc;
	collect?.();
	const heapAfter = process.memoryUsage().heapUsed;
	instance.unmount();
	await session.close();
	await bob.close();
	await server.close();
	const measured = keyLatencyMs.filter(value => !Number.isNaN(value));
	return {
		historyMessages: historySize,
		incomingPerSecond,
		seconds: round(durationMs / 1000),
		messagesSent: sent,
		messagesReceived: received,
		frames: inkRenderMs.length,
		inkRenderP50Ms: round(percentile(inkRenderMs, 50)),
		inkRenderP99Ms: round(percentile(inkRenderMs, 99)),
		keystrokes: keyLatencyMs.length,
		keystrokesNotShown: keyLatencyMs.length - measured.length,
		keyToFrameP50Ms: round(percentile(measured, 50)),
		keyToFrameP99Ms: round(percentile(measured, 99)),
		keyToFrameMaxMs: round(Math.max(...measured)),
		heapUsedMB: round(heapAfter / 1024 / 1024),
		heapGrowthMB: round((heapAfter - heapBefore) / 1024 / 1024),
	};
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const results = await runTuiBench({quick: process.argv.includes('--quick')});
	for (const [name, value] of Object.entries(results)) {
		process.stdout.write(`${name.padEnd(20)} ${value}\n`);
	}
}
