import net from 'node:net';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import type {Duplex} from 'node:stream';
import {Authenticator} from './auth/authenticator.js';
import {ChatCore, defaultCoreLimits} from './core/chat-core.js';
import type {ChatStore} from './core/store.js';
import {silentLogger, type Logger} from './log.js';
import {Connection, type ConnectionContext, type ConnectionEdge} from './net/connection.js';
import {ircEdge, ircRefusal} from './net/irc/irc-edge.js';
import {checkPlaintextAllowed, createListener, loadTlsPair, tlsMinVersion, type TlsFiles} from './net/listener.js';
import {defaultPoolSize} from './auth/bcrypt-pool.js';
import {fdReserve, openFileLimit} from './net/fd-limit.js';
import {ConnectionGuard, guardLimits, type GuardLimits} from './net/guard.js';
import type {AddressLease} from './net/address-limits.js';
import {defaultFailureDelay, LoginThrottle, type FailureDelay} from './net/login-throttle.js';
import {ServerCounters} from './ops/counters.js';
import {createRegistry, startMetricsServer, type MetricsServer} from './ops/metrics.js';
import {DEFAULT_HISTORY_MAX, openStore, type StoreStats} from './store/index.js';
import {openRedisEngine, redactUrl} from './cluster/index.js';
import {SERVER_VERSION} from './version.js';

export {createLogger, silentLogger, type Logger, type LogFormat} from './log.js';
export {SERVER_VERSION} from './version.js';
export {PlaintextRefusedError, TlsConfigError, type TlsFiles} from './net/listener.js';

export type ServerOptions = {
	/** Default 127.0.0.1. */
	readonly host?: string;
	/** Default 12345; 0 picks a free port (read it from `address`). */
	readonly port?: number;
	readonly usersFile: string;
	/** Default: no logging. `natter serve` passes `createLogger()` (stderr). */
	readonly logger?: Logger;
	/** Close a connection that has not logged in after this long. Default 30 000. */
	readonly loginTimeoutMs?: number;
	/** Drop a connection whose unsent output exceeds this (a reader that does not read). Default 1 MiB. */
	readonly maxOutboundBytes?: number;
	/** Commands per second per session after the burst; 0 disables flood control. Default 10. */
	readonly rate?: number;
	/** Default 30. */
	readonly burst?: number;
	/** Failed logins per connection before `bye too_many_attempts`. Default 3. */
	readonly maxLoginAttempts?: number;
	/** Delay before the n-th failure reply from one address: baseMs × 2^(n−1), at most capMs. Default 200 / 2000. */
	readonly failureDelay?: FailureDelay;
	/** bcrypt worker threads. Default: the Authenticator's choice. */
	readonly authWorkers?: number;
	/** How long a closing connection may take to flush before it is cut. Default 2000. */
	readonly closeGraceMs?: number;
	/** Replies waiting for their commits, over all connections, before sessions stop starting commands (input waits). Default 4096. */
	readonly maxRepliesWaiting?: number;
	/** The SQLite data file, or `:memory:` (the default here; `natter serve` defaults to natter.db beside the users file). */
	readonly data?: string;
	/** Prune messages older than this many days (0: keep them). */
	readonly historyDays?: number;
	/** Keep at most this many messages per conversation (0: no limit). */
	readonly historyMax?: number;
	/** Undelivered DMs kept per offline user. Default 1000. */
	readonly mailboxCap?: number;
	/** Missed messages a resuming client gets per conversation before a gap. Default 1000. */
	readonly resumeCap?: number;
	/** A store to use instead of opening `data` (tests, or a store shared by nodes). Closed with the server. */
	readonly store?: ChatStore;
	/** Share the chat with other nodes through this Redis (docs/scale-out.md): its store and router replace `data`'s. */
	readonly redis?: {readonly url: string; readonly presenceTtlMs?: number};
	/** Per-address, per-user and per-account limits and the login-check queue (server/net/guard.ts; docs/server.md "Limits"). */
	readonly limits?: Partial<GuardLimits & {readonly maxGroups: number; readonly maxGroupsPerUser: number}>;
	/** Serve Prometheus metrics (`GET /metrics`) and `GET /health` over HTTP here. Off by default. */
	readonly metrics?: {readonly host: string; readonly port: number};
	/** Speak TLS (≥ 1.2) on the port, every mode, with this certificate and key; `reloadTls()` re-reads them. */
	readonly tls?: TlsFiles;
	/** Listen without TLS on an address other than loopback (refused otherwise: PlaintextRefusedError). */
	readonly allowPlaintext?: boolean;
	/** Also speak IRC on this port (same host, same TLS; 0 picks a free one). Off by default (docs/irc.md). */
	readonly ircPort?: number;
	/** A registered IRC client silent this long is pinged, and dropped when silent as long again. Default 90 000. */
	readonly ircPingMs?: number;
};

export type NatterServer = {
	readonly address: {host: string; port: number};
	/** Stop accepting, send every client `bye shutdown`, flush, close. */
	close(): Promise<void>;
	/**
	Re-read the users file; throws (and keeps the old users) when it is bad. Returns the user count.
	Sessions of removed users and of users whose password changed are ended (bye `revoked`); what a
	removed user's name held (memberships, DMs, markers, waiting messages) is dropped.
	*/
	reloadUsers(): Promise<number>;
	/** Serve one client over any duplex stream (a socket, or one end of `duplexPair()`). */
	handle(stream: Duplex, remote?: string): void;
	/** Open connections, logged in or not. */
	readonly connectionCount: number;
	/** The store's commit figures, when it keeps them. */
	storeStats(): StoreStats | undefined;
	/** Where the metrics endpoint listens, when it was asked for. */
	readonly metricsAddress: {host: string; port: number} | undefined;
	/** Where the IRC listener listens, when it was asked for. */
	readonly ircAddress: {host: string; port: number} | undefined;
	/**
	Re-read the TLS certificate and key: new handshakes use them, open connections stay. Throws (and
	keeps the old pair) when they are bad. Returns the new fingerprint; undefined without TLS.
	*/
	reloadTls(): Promise<string | undefined>;
};

export const defaultServerOptions = {
	host: '127.0.0.1',
	port: 12_345,
	loginTimeoutMs: 30_000,
	maxOutboundBytes: 1024 * 1024,
	rate: 10,
	burst: 30,
	maxLoginAttempts: 3,
	closeGraceMs: 2000,
	maxRepliesWaiting: 4096,
} as const;

const keepAliveDelayMs = 30_000;

function storeStatsOf(store: ChatStore): StoreStats | undefined {
	return 'stats' in store && typeof store.stats === 'function' ? (store.stats as () => StoreStats)() : undefined;
}

export async function startServer(options: ServerOptions): Promise<NatterServer> {
	const logger = options.logger ?? silentLogger;
	const host = options.host ?? defaultServerOptions.host;
	await checkPlaintextAllowed(host, {tls: options.tls !== undefined, allowPlaintext: options.allowPlaintext ?? false});
	const tlsPair = options.tls ? await loadTlsPair(options.tls) : undefined;
	const engine = options.redis ? await openRedisEngine({
		url: options.redis.url,
		historyMax: options.historyMax ?? DEFAULT_HISTORY_MAX,
		logger,
		...(options.redis.presenceTtlMs === undefined ? {} : {presenceTtlMs: options.redis.presenceTtlMs}),
	}) : undefined;
	const store = engine?.store ?? options.store ?? await openStore({
		data: options.data ?? ':memory:',
		...(options.historyDays === undefined ? {} : {historyDays: options.historyDays}),
		...(options.historyMax === undefined ? {} : {historyMax: options.historyMax}),
	});
	let authenticator: Authenticator;
	try {
		authenticator = await Authenticator.open({usersFile: options.usersFile, workers: options.authWorkers});
	} catch (error) {
		await store.close();
		throw error;
	}

	const core = new ChatCore({
		isRegistered: user => authenticator.has(user),
		store,
		...(engine ? {router: engine.router} : {}),
		limits: {
			mailboxCap: options.mailboxCap ?? defaultCoreLimits.mailboxCap,
			resumeCap: options.resumeCap ?? defaultCoreLimits.resumeCap,
			maxGroups: options.limits?.maxGroups ?? defaultCoreLimits.maxGroups,
			maxGroupsPerUser: options.limits?.maxGroupsPerUser ?? defaultCoreLimits.maxGroupsPerUser,
		},
	});
	const connections = new Set<Connection>();
	let lastConnectionId = 0;
	const counters = new ServerCounters();
	// The event loop's worst stalls over the server's life, for the `stopped` line (and so the bench).
	const loopDelay = monitorEventLoopDelay({resolution: 10});
	loopDelay.enable();
	const guard = new ConnectionGuard({
		limits: guardLimits(options.rate ?? defaultServerOptions.rate, options.burst ?? defaultServerOptions.burst, options.limits ?? {}),
		verify: async (user, password) => authenticator.verify(user, password),
		checkConcurrency: options.authWorkers ?? defaultPoolSize(),
		logger,
		// --max-sessions is cluster-wide: the user's sessions on other nodes, by this node's view of presence.
		...(engine ? {sessionsElsewhere: (user: string) => Math.max(0, engine.router.sessionCount(user) - engine.router.sessionsOf(user).length)} : {}),
	});
	const fileLimit = openFileLimit();
	const context: ConnectionContext = {
		guard,
		nextId: () => ++lastConnectionId,
		counters,
		core,
		verify: async (user, password) => authenticator.verify(user, password),
		throttle: new LoginThrottle({delay: options.failureDelay ?? defaultFailureDelay}),
		logger,
		version: SERVER_VERSION,
		limits: {
			loginTimeoutMs: options.loginTimeoutMs ?? defaultServerOptions.loginTimeoutMs,
			maxOutboundBytes: options.maxOutboundBytes ?? defaultServerOptions.maxOutboundBytes,
			rate: options.rate ?? defaultServerOptions.rate,
			burst: options.burst ?? defaultServerOptions.burst,
			maxLoginAttempts: options.maxLoginAttempts ?? defaultServerOptions.maxLoginAttempts,
			closeGraceMs: options.closeGraceMs ?? defaultServerOptions.closeGraceMs,
			maxRepliesWaiting: options.maxRepliesWaiting ?? defaultServerOptions.maxRepliesWaiting,
		},
		onClosed(connection) {
			connections.delete(connection);
		},
		waiting: {count: 0},
	};

	let closing: Promise<void> | undefined;
	const handle = (stream: Duplex, remote = 'local', admitted?: AddressLease, edge?: ConnectionEdge) => {
		if (closing) {
			admitted?.release();
			stream.destroy();
			return;
		}

		const admission = admitted ? {ok: true as const, lease: admitted} : guard.addresses.admit(remote);
		if (!admission.ok) {
			// One line both modes can read (a JSON client parses it, a person reads it), then close.
			guard.refusedLog.note({remote, reason: admission.reason});
			// Closed as soon as the line is handed to the kernel: a flood of refused connections must not hold descriptors.
			stream.on('error', () => {});
			const cut = setTimeout(() => {
				stream.destroy();
			}, 2000).unref();
			stream.end(edge ? ircRefusal(admission.message) : `${JSON.stringify({type: 'bye', reason: 'too_many_connections', text: admission.message})}\n`, () => {
				clearTimeout(cut);
				stream.destroy();
			});
			return;
		}

		connections.add(new Connection(stream, context, remote, admission.lease, edge));
		if (fileLimit !== undefined && connections.size >= fileLimit - fdReserve) {
			// Past the descriptor limit the OS drops new connections unseen (libuv accepts and closes them): say so, once per burst.
			guard.acceptErrorLog.note({code: 'EMFILE', connections: connections.size, limit: fileLimit, message: 'connections near the open-file limit (ulimit -n): new ones may be dropped unseen'});
		}
	};

	// allowHalfOpen: a client that sends its commands and then shuts its side still gets every reply.
	const makeListener = (edge?: ConnectionEdge) => createListener({
		...(options.tls && tlsPair ? {tls: {files: options.tls, pair: tlsPair}} : {}),
		handshakeTimeoutMs: options.loginTimeoutMs ?? defaultServerOptions.loginTimeoutMs,
		logger,
		// With TLS the per-address caps are checked before the handshake, so refused floods cost no handshakes.
		admit(raw) {
			const remote = raw.remoteAddress ?? 'unknown';
			const admission = guard.addresses.admit(remote);
			if (!admission.ok) {
				guard.refusedLog.note({remote, reason: admission.reason});
				return undefined;
			}

			return admission.lease;
		},
	}, (socket, lease) => {
		socket.setNoDelay(true);
		socket.setKeepAlive(true, keepAliveDelayMs);
		handle(socket, `${socket.remoteAddress ?? 'unknown'}`, lease as AddressLease | undefined, edge);
	});
	const listen = async (server: net.Server, port: number) => {
		server.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code === 'EMFILE' || error.code === 'ENFILE') {
				// Out of file descriptors: logged once per burst, not once per refused client.
				guard.acceptErrorLog.note({code: error.code, connections: connections.size});
				return;
			}

			logger.log('error', 'error', {during: 'accept', message: error.message});
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, options.host ?? defaultServerOptions.host, () => {
				server.off('error', reject);
				resolve();
			});
		});
	};

	const {server: listener, reloadTls, dropHandshakes} = makeListener();
	const irc = options.ircPort === undefined ? undefined : makeListener(ircEdge({created: new Date(), ...(options.ircPingMs === undefined ? {} : {pingIntervalMs: options.ircPingMs})}));
	try {
		await listen(listener, options.port ?? defaultServerOptions.port);
		if (irc) {
			await listen(irc.server, options.ircPort!);
		}
	} catch (error) {
		listener.close();
		await authenticator.close();
		await store.close();
		throw error;
	}

	const bound = listener.address() as net.AddressInfo;
	const address = {host: bound.address, port: bound.port};
	logger.log('info', 'listening', {host: address.host, port: address.port, users: authenticator.names().length, data: options.redis ? redactUrl(options.redis.url) : (options.store ? 'custom' : (options.data ?? ':memory:')), version: SERVER_VERSION, tls: tlsPair !== undefined});
	const ircBound = irc?.server.address() as net.AddressInfo | undefined;
	const ircAddress = ircBound ? {host: ircBound.address, port: ircBound.port} : undefined;
	if (ircAddress) {
		logger.log('info', 'listening_irc', {host: ircAddress.host, port: ircAddress.port, tls: tlsPair !== undefined});
	}

	if (tlsPair) {
		logger.log('info', 'tls', {fingerprint: tlsPair.fingerprint, not_after: tlsPair.notAfter, min_version: tlsMinVersion});
	}

	let metrics: MetricsServer | undefined;
	if (options.metrics) {
		const registry = createRegistry({
			counters,
			connectionsByMode() {
				const modes = new Map<string, number>();
				for (const connection of connections) {
					modes.set(connection.mode, (modes.get(connection.mode) ?? 0) + 1);
				}

				return modes;
			},
			onlineUsers: () => core.onlineCount,
			bcryptQueued: () => authenticator.queued,
			storeStats: () => storeStatsOf(store),
			...(engine ? {redisUp: engine.health.isUp} : {}),
		});
		try {
			metrics = await startMetricsServer({...options.metrics, registry, logger, ...(engine ? {health: async () => engine.health.check(1000)} : {})});
		} catch (error) {
			listener.close();
			irc?.server.close();
			await authenticator.close();
			await store.close();
			throw new Error(`cannot serve metrics on ${options.metrics.host}:${options.metrics.port}: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
		}

		logger.log('info', 'metrics', {host: metrics.address.host, port: metrics.address.port});
	}

	const close = async () => {
		const stopped = new Promise<void>(resolve => {
			listener.close(() => {
				resolve();
			});
		});
		const ircStopped = irc ? new Promise<void>(resolve => {
			irc.server.close(() => {
				resolve();
			});
		}) : undefined;
		dropHandshakes();
		irc?.dropHandshakes();
		const open = [...connections];
		for (const connection of open) {
			connection.shutdown();
		}

		await Promise.all(open.map(async connection => connection.closed));
		await stopped;
		await ircStopped;
		await metrics?.close();
		await authenticator.close();
		await store.close();
		const stats = storeStatsOf(store);
		loopDelay.disable();
		logger.log('info', 'stopped', {
			connections: open.length,
			...(stats ? {commits: stats.commits, rows_written: stats.rowsWritten, longest_commit_ms: Math.round(stats.longestCommitMs * 100) / 100, longest_index_ms: Math.round(stats.longestIndexMs * 100) / 100} : {}),
			loop_delay_p99_ms: Math.round(loopDelay.percentile(99) / 10_000) / 100,
			loop_delay_max_ms: Math.round(loopDelay.max / 10_000) / 100,
		});
	};

	return {
		address,
		handle,
		get connectionCount() {
			return connections.size;
		},
		storeStats() {
			return storeStatsOf(store);
		},
		metricsAddress: metrics?.address,
		ircAddress,
		async close() {
			closing ??= close();
			return closing;
		},
		async reloadTls() {
			if (!tlsPair) {
				return undefined;
			}

			try {
				const pair = await reloadTls();
				await irc?.reloadTls();
				logger.log('info', 'tls_reload', {fingerprint: pair?.fingerprint, not_after: pair?.notAfter});
				return pair?.fingerprint;
			} catch (error) {
				logger.log('error', 'tls_reload_failed', {message: error instanceof Error ? error.message : String(error)});
				throw error;
			}
		},
		async reloadUsers() {
			try {
				const {users: count, removed, changed} = await authenticator.reload();
				let ended = 0;
				for (const user of removed) {
					// eslint-disable-next-line no-await-in-loop
					ended += await core.revoke(user, true);
				}

				for (const user of changed) {
					// eslint-disable-next-line no-await-in-loop
					ended += await core.revoke(user, false);
				}

				logger.log('info', 'reload', {users: count, removed: removed.length, password_changed: changed.length, sessions_ended: ended});
				return count;
			} catch (error) {
				logger.log('error', 'reload_failed', {message: error instanceof Error ? error.message : String(error)});
				throw error;
			}
		},
	};
}
