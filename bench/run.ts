import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {parseArgs} from 'node:util';
import {type ClusterBenchOutcome, runClusterBench} from './cluster.js';
import {type LoadGenerator, startLoadGenerator, startServer, type BenchServer} from './processes.js';
import {comparisonRows, resultFigures, resultLines, type RunOutcome, storeLine, type StoreRunFigures} from './report.js';
import {comparisonTable, dataFileBytes, parseDataChoice, parseStopped, ratio, type StoreKind, storesFor} from './store-figures.js';
import type {ScenarioResult, ScenarioSpec} from './types.js';
import {benchUsers, writeBenchUsers} from './users-file.js';

const help = `
	Usage
	  $ npm run bench [-- --quick] [-- --only fanout100,private] [-- --data both]

	Starts natter serve (pinned to core 0) and a load generator (core 1), runs the scenarios
	over real TCP and prints a table, then one JSON line with the figures. Each scenario gets a
	fresh server; the throughput and store scenarios run once with a temporary SQLite file
	(--data FILE) and once with --data :memory:, side by side.

	Options
	  --quick             each scenario briefly (about 5 minutes in all)
	  --only LIST         comma-separated: fanout100, fanout1000, private, resume, history,
	                      connect10k, loginStorm, ircFanout100, ircPrivate, tui, cluster2
	                      (cluster2: fan-out 100 on one node, then on two natter serve --redis
	                      nodes sharing a redis-server the bench starts; needs redis-server)
	                      (the irc ones: the same fan-out 100 and private scenarios, every
	                      client on --irc-port speaking IRC, as ngIRCd and InspIRCd are measured)
	  --data WHICH        file, memory or both (default): the stores the fanout, private,
	                      resume and history scenarios run with (connect10k and loginStorm run
	                      with the file store, unless memory alone is asked for)
	  --history-size N    messages the history scenario fills its conversation with
	                      (default 1000000, 250000 with --quick)
	  --server-node-arg A  extra node flag for the server, e.g. --cpu-prof (repeatable)
	  --load-node-arg A    the same for the load generator
	  --rates LIST        fixed offered rates (deliveries/s, comma-separated) instead of
	                      the ladders, e.g. to compare two builds: --rates 1e6,2e6
	  --no-pin            do not pin the processes to cores
	  --keep-logs         keep the servers' logs (kept anyway when a scenario fails)
	  --server relay      measure bench/relay-server.ts (a bare relay, no chat logic) instead
	                      of natter: the harness's own ceiling (no store: resume and history skipped)
`;

type Scenario = {
	readonly key: string;
	readonly scenario: ScenarioSpec['scenario'];
	readonly size: number;
	readonly quickSize?: number;
	/** Runs with each store --data asks for (else once, with the file store). */
	readonly comparesStores: boolean;
	/** `--history-max` for its server (0: keep every message). */
	readonly historyMax?: number;
	/** Every client on the IRC listener (`--irc-port`), speaking IRC. */
	readonly irc?: boolean;
};

const scenarios: readonly Scenario[] = [
	{key: 'fanout100', scenario: 'fanout', size: 100, comparesStores: true},
	{key: 'fanout1000', scenario: 'fanout', size: 1000, comparesStores: true},
	{key: 'private', scenario: 'private', size: 1000, comparesStores: true},
	// 1000 missed messages per resume; size is the resumer's group (a sender and the resumer).
	{key: 'resume', scenario: 'resume', size: 2, comparesStores: true},
	// The conversation's messages; --history-max 0 so nothing is pruned.
	{key: 'history', scenario: 'history', size: 1_000_000, quickSize: 250_000, comparesStores: true, historyMax: 0},
	{key: 'connect10k', scenario: 'connect', size: 10_000, comparesStores: false},
	// Each cost-10 login is ~75 ms of bcrypt on the server's one core: quick mode storms with fewer.
	{key: 'loginStorm', scenario: 'loginStorm', size: 500, quickSize: 150, comparesStores: false},
	{key: 'ircFanout100', scenario: 'fanout', size: 100, comparesStores: true, irc: true},
	{key: 'ircPrivate', scenario: 'private', size: 1000, comparesStores: true, irc: true},
];

const {values: flags} = parseArgs({
	options: {
		quick: {type: 'boolean', default: false},
		only: {type: 'string'},
		data: {type: 'string', default: 'both'},
		'history-size': {type: 'string'},
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

const dataChoice = parseDataChoice(flags.data);
if (!dataChoice) {
	console.error('--data is file, memory or both');
	process.exit(2);
}

const historySize = flags['history-size'] === undefined ? undefined : Number(flags['history-size']);
if (historySize !== undefined && !(Number.isInteger(historySize) && historySize >= 100)) {
	console.error('--history-size takes a whole number of at least 100');
	process.exit(2);
}

const only = flags.only?.split(',').map(word => word.trim()).filter(Boolean);
const known = new Set([...scenarios.map(scenario => scenario.key), 'tui', 'cluster2']);
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

/** The commit the server was built from, and the server-side files that differed from it (others may edit the tree meanwhile). */
function sourceState(): {commit: string; uncommitted: string[]} {
	try {
		const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		const status = execFileSync('git', ['status', '--porcelain', '--', 'server', 'source/protocol', 'source/commands/serve.ts'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
		return {commit, uncommitted: status.split('\n').filter(Boolean).map(line => line.slice(3))};
	} catch {
		return {commit: 'unknown', uncommitted: []};
	}
}

const source = sourceState();
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
function serverWarnings(text: string): Record<string, number> {
	const counts: Record<string, number> = {};
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

const usersNeeded = Math.max(...scenarios.filter(scenario => scenario.scenario === 'fanout' || scenario.scenario === 'private' || scenario.scenario === 'connect').map(scenario => scenario.size));
// One more than the largest scenario: connect10k's warm-up login uses its own user.
writeBenchUsers(usersFile, usersNeeded + 1, 500);

let server: BenchServer | undefined;
let load: LoadGenerator | undefined;
const cleanUp = async () => {
	await server?.stop(5000);
	await load?.stop();
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void cleanUp().finally(() => process.exit(130));
	});
}

const removeDataFile = (file: string) => {
	for (const name of [file, `${file}-wal`, `${file}-shm`]) {
		rmSync(name, {force: true});
	}
};

type Run = RunOutcome & {readonly warnings: Record<string, number>};
const runs: Record<string, Partial<Record<StoreKind, Run>>> = {};
const skipped: string[] = [];
for (const scenario of scenarios) {
	if (!wanted(scenario.key)) {
		continue;
	}

	if (relay && (scenario.scenario === 'resume' || scenario.scenario === 'history')) {
		skipped.push(`${scenario.key} (the relay keeps no messages)`);
		continue;
	}

	if (relay && scenario.irc) {
		skipped.push(`${scenario.key} (the relay speaks no IRC)`);
		continue;
	}

	const size = flags.quick ? scenario.quickSize ?? scenario.size : scenario.size;
	const stores: StoreKind[] = relay ? ['memory'] : storesFor(dataChoice, scenario.comparesStores);
	runs[scenario.key] = {};
	for (const store of stores) {
		const name = relay ? scenario.key : `${scenario.key} [${store}]`;
		const log = logFile(`${scenario.key}-${store}`);
		const dataFile = store === 'file' ? path.join(directory, `${scenario.key}.db`) : undefined;
		if (dataFile) {
			removeDataFile(dataFile);
		}

		progress(`${name}: starting a fresh server${dataFile ? ` with --data ${dataFile}` : ' with --data :memory:'}${scenario.historyMax === undefined ? '' : ` --history-max ${scenario.historyMax}`}`);
		let result: ScenarioResult | undefined;
		let error: string | undefined;
		let stopped = {seconds: 0, killed: false};
		try {
			// eslint-disable-next-line no-await-in-loop
			server = await startServer({
				usersFile, logFile: log, core: serverCore, nodeArgs: flags['server-node-arg'], relay, data: dataFile ?? ':memory:',
				...(scenario.historyMax === undefined ? {} : {historyMax: scenario.historyMax}),
				...(scenario.irc ? {irc: true} : {}),
			});
			load = startLoadGenerator(loadCore, flags['load-node-arg']);
			// eslint-disable-next-line no-await-in-loop
			result = await load.run({
				scenario: scenario.scenario,
				name,
				port: server.port,
				...(scenario.irc && server.ircPort !== undefined ? {ircPort: server.ircPort} : {}),
				serverPid: server.pid,
				quick: flags.quick,
				size: scenario.scenario === 'history' && historySize !== undefined ? historySize : size,
				...(rates ? {rates} : {}),
				...(dataFile ? {dataFile} : {}),
				...benchUsers,
			}, progress);
		} catch (caught) {
			error = caught instanceof Error ? caught.message : String(caught);
			progress(`${name}: FAILED: ${error}`);
		} finally {
			// The server goes first, so it never works through thousands of client disconnects.
			// eslint-disable-next-line no-await-in-loop
			stopped = await server?.stop() ?? stopped;
			// eslint-disable-next-line no-await-in-loop
			await load?.stop();
			server = undefined;
			load = undefined;
		}

		let logText = '';
		try {
			logText = readFileSync(log, 'utf8');
		} catch {}

		const figures: StoreRunFigures = {
			...(relay ? {} : {stopped: parseStopped(logText)}),
			...(dataFile ? {fileBytesAfterShutdown: dataFileBytes(dataFile)} : {}),
			shutdownSeconds: stopped.seconds,
			killed: stopped.killed,
		};
		if (dataFile && !flags['keep-logs']) {
			removeDataFile(dataFile);
		}

		runs[scenario.key]![store] = {...(result ? {result} : {}), ...(error === undefined ? {} : {error}), store: figures, warnings: serverWarnings(logText)};
	}
}

let tui: Record<string, number> | {skipped: string} | undefined;
if (wanted('tui')) {
	// The TUI bench is another module that may not exist yet; a variable keeps tsc from requiring it.
	const tuiModule = './tui.js';
	// As the natter binary does (scripts/write-bin.mjs): React's production build, chosen when it is first loaded.
	process.env.NODE_ENV ??= 'production';
	try {
		const {runTuiBench} = await import(tuiModule) as {runTuiBench: (options: {quick: boolean}) => Promise<Record<string, number>>};
		progress('tui: rendering');
		tui = await runTuiBench({quick: flags.quick});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		tui = {skipped: code === 'ERR_MODULE_NOT_FOUND' ? 'bench/tui.tsx is not there yet' : `failed: ${error instanceof Error ? error.message : String(error)}`};
	}
}

let cluster: ClusterBenchOutcome | undefined;
if (wanted('cluster2') && !relay) {
	cluster = await runClusterBench({
		usersFile, directory, quick: flags.quick, serverCore, loadCore, nodeArgs: flags['server-node-arg'], loadNodeArgs: flags['load-node-arg'], progress, ...(rates ? {rates} : {}),
	});
}

const lines: string[] = [
	'',
	`${relay ? 'BASELINE RELAY (bench/relay-server.ts, not natter)' : 'natter'} bench, ${flags.quick ? 'quick' : 'full'} mode, ${new Date().toISOString()}, node ${process.version}, ${os.availableParallelism()} cores`,
	`server built from ${source.commit}${source.uncommitted.length > 0 ? ` with uncommitted changes to ${source.uncommitted.join(', ')}` : ''}`,
	pin ? 'natter serve pinned to core 0, the load generator to core 1 (taskset); server run with --rate 0 (no flood limit)' : 'NOT pinned to cores (no taskset, or --no-pin): server and load generator share the CPUs; server run with --rate 0',
	'',
];
const figures: Record<string, unknown> = {server: relay ? 'relay' : 'natter', date: new Date().toISOString(), mode: flags.quick ? 'quick' : 'full', node: process.version, pinned: pin, data: dataChoice, commit: source.commit, uncommitted: source.uncommitted};
const floors: string[] = [];
for (const [key, byStore] of Object.entries(runs)) {
	const keyFigures: Record<string, unknown> = {};
	for (const [store, run] of Object.entries(byStore) as Array<[StoreKind, Run]>) {
		const name = relay ? key : `${key} [${store}]`;
		const {stopped} = run.store;
		const storeFigures = {
			...(stopped ? {commits: stopped.commits, rowsWritten: stopped.rowsWritten, longestCommitMs: stopped.longestCommitMs} : {}),
			...(run.store.fileBytesAfterShutdown === undefined ? {} : {fileBytesAfterShutdown: run.store.fileBytesAfterShutdown}),
			shutdownSeconds: Number(run.store.shutdownSeconds.toFixed(2)),
			...(run.store.killed ? {killed: true} : {}),
		};
		const messages = run.result?.kind === 'history' ? run.result.messages : undefined;
		const storeText = relay ? [] : [storeLine(store, run.store, messages)];
		if (!run.result) {
			lines.push(`${name}: FAILED: ${run.error ?? 'no result'}`, ...storeText, '');
			keyFigures[store] = {error: run.error ?? 'no result', store: storeFigures};
			continue;
		}

		const {result} = run;
		const logged = Object.entries(run.warnings).map(([event, count]) => `${event} ×${count}`).join(', ');
		lines.push(...resultLines(result), ...storeText, `  server log warnings/errors: ${logged || 'none'}`, '');
		keyFigures[store] = {
			...resultFigures(result),
			...(messages && run.store.fileBytesAfterShutdown !== undefined ? {mbPerMillionAfterShutdown: Number((run.store.fileBytesAfterShutdown / messages).toFixed(1))} : {}),
			store: storeFigures,
			serverWarnings: run.warnings,
		};
		if (result.kind === 'ladder' && result.floor) {
			floors.push(`${name} is a floor: ${result.limit}`);
		}

		if (result.kind === 'storm' && result.logins !== 500) {
			floors.push(`loginStorm ran ${result.logins} logins (quick mode), not 500`);
		}
	}

	const knee = (store: StoreKind) => {
		const result = byStore[store]?.result;
		return result?.kind === 'ladder' ? result.knee?.deliveredPerSec : undefined;
	};

	const share = ratio(knee('file'), knee('memory'));
	if (share !== undefined) {
		keyFigures.fileVsMemory = Number(share.toFixed(3));
	}

	figures[key] = keyFigures;
}

const comparison = comparisonRows(runs);
if (comparison.length > 0 && !relay) {
	lines.push('Durable store: --data FILE (a temporary SQLite file) vs --data :memory:', ...comparisonTable(comparison), '');
}

if (cluster) {
	lines.push(...cluster.lines);
	figures.cluster2 = cluster.figures;
}

if (skipped.length > 0) {
	lines.push(`Skipped: ${skipped.join(', ')}.`, '');
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
if (flags['keep-logs'] || Object.values(runs).some(byStore => Object.values(byStore).some(run => run.error !== undefined))) {
	lines.push(`Server logs kept in ${directory}`);
} else {
	rmSync(directory, {recursive: true, force: true});
}

console.log(lines.join('\n'));
console.log(JSON.stringify(figures));
