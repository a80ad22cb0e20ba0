import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {parseArgs} from 'node:util';
import {type LoadGenerator, startLoadGenerator, startServer, type BenchServer} from './processes.js';
import {resultFigures, resultLines} from './report.js';
import type {ScenarioResult, ScenarioSpec} from './types.js';
import {benchUsers, writeBenchUsers} from './users-file.js';

const help = `
	Usage
	  $ npm run bench [-- --quick] [-- --only fanout100,private]

	Starts natter serve (pinned to core 0) and a load generator (core 1), runs the scenarios
	over real TCP and prints a table, then one JSON line with the figures.

	Options
	  --quick             each scenario briefly (under 3 minutes in all)
	  --only LIST         comma-separated: fanout100, fanout1000, private, connect10k, loginStorm, tui
	  --server-node-arg A  extra node flag for the server, e.g. --cpu-prof (repeatable)
	  --load-node-arg A    the same for the load generator
	  --rates LIST        fixed offered rates (deliveries/s, comma-separated) instead of
	                      the ladders, e.g. to compare two builds: --rates 1e6,2e6
	  --no-pin            do not pin the processes to cores
	  --keep-logs         keep the servers' logs (kept anyway when a scenario fails)
	  --server relay      measure bench/relay-server.ts (a bare relay, no chat logic) instead
	                      of natter: the harness's own ceiling
`;

type Scenario = {readonly key: string; readonly scenario: ScenarioSpec['scenario']; readonly size: number; readonly quickSize?: number};

const scenarios: readonly Scenario[] = [
	{key: 'fanout100', scenario: 'fanout', size: 100},
	{key: 'fanout1000', scenario: 'fanout', size: 1000},
	{key: 'private', scenario: 'private', size: 1000},
	{key: 'connect10k', scenario: 'connect', size: 10_000},
	// Each cost-10 login is ~75 ms of bcrypt on the server's one core: quick mode storms with fewer.
	{key: 'loginStorm', scenario: 'loginStorm', size: 500, quickSize: 150},
];

const {values: flags} = parseArgs({
	options: {
		quick: {type: 'boolean', default: false},
		only: {type: 'string'},
		'server-node-arg': {type: 'string', multiple: true, default: []},
		'load-node-arg': {type: 'string', multiple: true, default: []},
		'no-pin': {type: 'boolean', default: false},
		'keep-logs': {type: 'boolean', default: false},
		server: {type: 'string', default: 'natter'},
		rates: {type: 'string'},
		help: {type: 'boolean', default: false},
	},
});

if (flags.help) {
	console.log(help);
	process.exit(0);
}

const only = flags.only?.split(',').map(word => word.trim()).filter(Boolean);
const known = new Set([...scenarios.map(scenario => scenario.key), 'tui']);
for (const key of only ?? []) {
	if (!known.has(key)) {
		console.error(`unknown scenario "${key}"; known: ${[...known].join(', ')}`);
		process.exit(2);
	}
}

if (flags.server !== 'natter' && flags.server !== 'relay') {
	console.error('--server is natter or relay');
	process.exit(2);
}

const relay = flags.server === 'relay';
const rates = flags.rates?.split(',').map(Number);
if (rates?.some(rate => !(rate > 0))) {
	console.error('--rates takes positive numbers, e.g. 1e6,2e6');
	process.exit(2);
}

const wanted = (key: string) => !only || only.includes(key);

function hasTaskset(): boolean {
	try {
		execFileSync('taskset', ['-p', String(process.pid)], {stdio: 'ignore'});
		return os.availableParallelism() >= 2;
	} catch {
		return false;
	}
}

const pin = !flags['no-pin'] && hasTaskset();
const serverCore = pin ? 0 : undefined;
const loadCore = pin ? 1 : undefined;
const started = Date.now();
const progress = (text: string) => {
	console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);
};

const directory = mkdtempSync(path.join(os.tmpdir(), 'natter-bench-'));
const usersFile = path.join(directory, 'users.txt');
const logFile = (key: string) => path.join(directory, `server-${key}.log`);

/** Warnings and errors the server logged (a slow reader dropped, a failed command), by event. */
function serverWarnings(file: string): Record<string, number> {
	const counts: Record<string, number> = {};
	let text = '';
	try {
		text = readFileSync(file, 'utf8');
	} catch {}

	for (const line of text.split('\n')) {
		if (!line.includes('"level":"warn"') && !line.includes('"level":"error"')) {
			continue;
		}

		try {
			const {event} = JSON.parse(line) as {event: string};
			counts[event] = (counts[event] ?? 0) + 1;
		} catch {}
	}

	return counts;
}

const warnings: Record<string, Record<string, number>> = {};
const maxSize = Math.max(...scenarios.filter(scenario => scenario.scenario !== 'loginStorm').map(scenario => scenario.size));
// One more than the largest scenario: connect10k's warm-up login uses its own user.
writeBenchUsers(usersFile, maxSize + 1, 500);

let server: BenchServer | undefined;
let load: LoadGenerator | undefined;
const cleanUp = async () => {
	await server?.stop();
	await load?.stop();
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void cleanUp().finally(() => process.exit(130));
	});
}

const results: Record<string, ScenarioResult | {error: string}> = {};
for (const scenario of scenarios) {
	if (!wanted(scenario.key)) {
		continue;
	}

	const size = flags.quick ? scenario.quickSize ?? scenario.size : scenario.size;
	progress(`${scenario.key}: starting a fresh server`);
	try {
		// eslint-disable-next-line no-await-in-loop
		server = await startServer({usersFile, logFile: logFile(scenario.key), core: serverCore, nodeArgs: flags['server-node-arg'], relay});
		load = startLoadGenerator(loadCore, flags['load-node-arg']);
		// eslint-disable-next-line no-await-in-loop
		results[scenario.key] = await load.run({
			scenario: scenario.scenario,
			name: scenario.key,
			port: server.port,
			serverPid: server.pid,
			quick: flags.quick,
			size,
			...(rates ? {rates} : {}),
			...benchUsers,
		}, progress);
	} catch (error) {
		results[scenario.key] = {error: error instanceof Error ? error.message : String(error)};
		progress(`${scenario.key}: FAILED: ${results[scenario.key] && 'error' in results[scenario.key]! ? (results[scenario.key] as {error: string}).error : ''}`);
	} finally {
		// The server goes first, so it never works through thousands of client disconnects.
		// eslint-disable-next-line no-await-in-loop
		await server?.stop();
		// eslint-disable-next-line no-await-in-loop
		await load?.stop();
		server = undefined;
		load = undefined;
		warnings[scenario.key] = serverWarnings(logFile(scenario.key));
	}
}

let tui: Record<string, number> | {skipped: string} | undefined;
if (wanted('tui')) {
	// The TUI bench is another module that may not exist yet; a variable keeps tsc from requiring it.
	const tuiModule = './tui.js';
	try {
		const {runTuiBench} = await import(tuiModule) as {runTuiBench: (options: {quick: boolean}) => Promise<Record<string, number>>};
		progress('tui: rendering');
		tui = await runTuiBench({quick: flags.quick});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		tui = {skipped: code === 'ERR_MODULE_NOT_FOUND' ? 'bench/tui.tsx is not there yet' : `failed: ${error instanceof Error ? error.message : String(error)}`};
	}
}

const lines: string[] = [
	'',
	`${relay ? 'BASELINE RELAY (bench/relay-server.ts, not natter)' : 'natter'} bench, ${flags.quick ? 'quick' : 'full'} mode, ${new Date().toISOString()}, node ${process.version}, ${os.availableParallelism()} cores`,
	pin ? 'natter serve pinned to core 0, the load generator to core 1 (taskset); server run with --rate 0 (no flood limit)' : 'NOT pinned to cores (no taskset, or --no-pin): server and load generator share the CPUs; server run with --rate 0',
	'',
];
const figures: Record<string, unknown> = {server: relay ? 'relay' : 'natter', date: new Date().toISOString(), mode: flags.quick ? 'quick' : 'full', node: process.version, pinned: pin};
const floors: string[] = [];
for (const scenario of scenarios) {
	const result = results[scenario.key];
	if (!result) {
		continue;
	}

	if ('error' in result) {
		lines.push(`${scenario.key}: FAILED: ${result.error}`, '');
		figures[scenario.key] = {error: result.error};
		continue;
	}

	const logged = Object.entries(warnings[scenario.key] ?? {}).map(([event, count]) => `${event} ×${count}`).join(', ');
	lines.push(...resultLines(result), `  server log warnings/errors: ${logged || 'none'}`, '');
	figures[scenario.key] = {...resultFigures(result), serverWarnings: warnings[scenario.key] ?? {}};
	if (result.kind === 'ladder' && result.floor) {
		floors.push(`${scenario.key} is a floor: ${result.limit}`);
	}

	if (result.kind === 'storm' && result.logins !== 500) {
		floors.push(`loginStorm ran ${result.logins} logins (quick mode), not 500`);
	}
}

if (tui) {
	lines.push('skipped' in tui ? `tui: skipped (${tui.skipped})` : `tui: ${Object.entries(tui).map(([key, value]) => `${key} ${Number(value.toFixed(2))}`).join(', ')}`, '');
	figures.tui = tui;
}

lines.push(
	'What is a floor: a knee where, at the first failing step, the load generator had more traffic waiting unread in its sockets than the server had in its own (the load generator fell behind first, so the server may do more), or where the top of the rate ladder still passed.',
	'"unread ms server/load": mean bytes waiting in each side\'s receive queues (/proc/net/tcp), as milliseconds of that side\'s input at the step\'s rate.',
	floors.length > 0 ? `Floors in this run: ${floors.join('; ')}.` : 'No figure in this run is a floor.',
	'Latency is measured from the send to the read of the bytes in the load generator (one clock); load cpu is the load generator\'s process.cpuUsage(), server cpu is from /proc/<pid>/stat, both as a share of one core.',
);
if (flags['keep-logs'] || Object.values(results).some(result => 'error' in result)) {
	lines.push(`Server logs kept in ${directory}`);
} else {
	rmSync(directory, {recursive: true, force: true});
}

console.log(lines.join('\n'));
console.log(JSON.stringify(figures));
