import http from 'node:http';
import {Counter, collectDefaultMetrics, Gauge, Histogram, Registry} from 'prom-client';
import type {Logger} from '../log.js';
import type {StoreStats} from '../store/index.js';
import type {ServerCounters} from './counters.js';

/** What the metrics read from the running server at scrape time. */
export type MetricsSources = {
	readonly counters: ServerCounters;
	/** Open connections by mode (`text`, `json`, …; `login` for those not logged in). */
	connectionsByMode(): ReadonlyMap<string, number>;
	onlineUsers(): number;
	/** Password checks waiting for a bcrypt worker. */
	bcryptQueued(): number;
	storeStats(): StoreStats | undefined;
	/** With `--redis`: is the node connected to Redis now (the natter_redis_up gauge). */
	redisUp?(): boolean;
};

/** What `/health` finds: `ok`, or why not (a dependency the node cannot serve without). */
export type HealthFinding = {readonly up: true} | {readonly up: false; readonly reason: string};

export type MetricsServer = {
	readonly address: {host: string; port: number};
	readonly registry: Registry;
	close(): Promise<void>;
};

/** Sets a counter to an absolute value read from elsewhere (prom-client counters only go up by inc). */
function setCounter(counter: Counter, value: number): void {
	counter.reset();
	counter.inc(value);
}

/** The Prometheus registry: default Node metrics (event-loop lag, memory, CPU) plus natter's own. */
export function createRegistry(sources: MetricsSources): Registry {
	const registry = new Registry();
	collectDefaultMetrics({register: registry, prefix: 'natter_'});
	const {counters} = sources;
	new Gauge({
		name: 'natter_connections', help: 'Open connections by mode (login: not logged in yet)', labelNames: ['mode'], registers: [registry],
		collect() {
			this.reset();
			for (const [mode, count] of sources.connectionsByMode()) {
				this.set({mode}, count);
			}
		},
	});
	new Gauge({name: 'natter_users_online', help: 'Users with at least one session', registers: [registry], collect() {
		this.set(sources.onlineUsers());
	}});
	new Counter({name: 'natter_logins_total', help: 'Password checks by result', labelNames: ['result'], registers: [registry], collect() {
		this.reset();
		this.inc({result: 'ok'}, counters.loginsOk);
		this.inc({result: 'failed'}, counters.loginsFailed);
	}});
	new Counter({name: 'natter_commands_total', help: 'Commands carried out, by command', labelNames: ['command'], registers: [registry], collect() {
		this.reset();
		for (const [command, count] of counters.commands) {
			this.inc({command}, count);
		}
	}});
	new Counter({name: 'natter_deliveries_total', help: 'Events delivered to sessions by fan-out (replies not counted)', registers: [registry], collect() {
		setCounter(this, counters.deliveries);
	}});
	new Counter({name: 'natter_bytes_out_total', help: 'Bytes written to clients', registers: [registry], collect() {
		setCounter(this, counters.bytesOut);
	}});
	new Counter({name: 'natter_drops_total', help: 'Connections dropped or lines refused, by reason', labelNames: ['reason'], registers: [registry], collect() {
		this.reset();
		for (const [reason, count] of Object.entries(counters.drops)) {
			this.inc({reason}, count);
		}
	}});
	new Gauge({name: 'natter_bcrypt_queue', help: 'Password checks waiting for a bcrypt worker', registers: [registry], collect() {
		this.set(sources.bcryptQueued());
	}});
	const loginWait = new Histogram({
		name: 'natter_login_check_seconds', help: 'From a login\'s arrival to its password check\'s answer (bcrypt queue wait included)',
		buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [registry],
		collect() {
			for (const seconds of counters.loginCheckSeconds.splice(0)) {
				loginWait.observe(seconds);
			}
		},
	});
	new Counter({name: 'natter_store_commits_total', help: 'Store write transactions committed', registers: [registry], collect() {
		setCounter(this, sources.storeStats()?.commits ?? 0);
	}});
	new Counter({name: 'natter_store_failed_commits_total', help: 'Store write transactions that failed', registers: [registry], collect() {
		setCounter(this, sources.storeStats()?.failedCommits ?? 0);
	}});
	new Gauge({name: 'natter_store_longest_commit_seconds', help: 'Longest store commit since start', registers: [registry], collect() {
		this.set((sources.storeStats()?.longestCommitMs ?? 0) / 1000);
	}});
	new Gauge({name: 'natter_store_last_commit_seconds', help: 'The last store commit\'s duration', registers: [registry], collect() {
		this.set((sources.storeStats()?.lastCommitMs ?? 0) / 1000);
	}});
	const {redisUp} = sources;
	if (redisUp) {
		new Gauge({name: 'natter_redis_up', help: '1 while this node is connected to Redis, 0 during an outage', registers: [registry], collect() {
			this.set(redisUp() ? 1 : 0);
		}});
	}

	return registry;
}

/**
Serves `GET /metrics` (Prometheus text) and `GET /health` on host:port. `/health` is `200 ok`, or
`503 unavailable: <reason>` while `health` finds the node cannot serve (with `--redis`: Redis down).
*/
export async function startMetricsServer(options: {host: string; port: number; registry: Registry; logger: Logger; health?: () => Promise<HealthFinding>}): Promise<MetricsServer> {
	const {registry, logger} = options;
	const server = http.createServer((request, response) => {
		const path = (request.url ?? '/').split('?')[0];
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, {allow: 'GET, HEAD'}).end();
			return;
		}

		if (path === '/health') {
			const health = options.health ?? (async (): Promise<HealthFinding> => ({up: true}));
			health().then(finding => {
				if (finding.up) {
					response.writeHead(200, {'content-type': 'text/plain'}).end('ok\n');
				} else {
					response.writeHead(503, {'content-type': 'text/plain'}).end(`unavailable: ${finding.reason.replaceAll(/[\r\n]+/g, ' ')}\n`);
				}
			}, (error: unknown) => {
				response.writeHead(503, {'content-type': 'text/plain'}).end(`unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
			});
			return;
		}

		if (path !== '/metrics') {
			response.writeHead(404, {'content-type': 'text/plain'}).end('not found: try /metrics or /health\n');
			return;
		}

		registry.metrics().then(text => {
			response.writeHead(200, {'content-type': registry.contentType}).end(text);
		}, (error: unknown) => {
			logger.log('error', 'error', {during: 'metrics', message: error instanceof Error ? error.message : String(error)});
			response.writeHead(500, {'content-type': 'text/plain'}).end('metrics failed\n');
		});
	});
	server.headersTimeout = 10_000;
	server.requestTimeout = 10_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const bound = server.address() as {address: string; port: number};
	return {
		address: {host: bound.address, port: bound.port},
		registry,
		async close() {
			server.closeAllConnections();
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		},
	};
}
