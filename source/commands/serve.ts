import path from 'node:path';
import process from 'node:process';
import meow from 'meow';
import {UsersFileError} from '../../server/auth/users-file.js';
import {createLogger, defaultServerOptions, PlaintextRefusedError, startServer, TlsConfigError, type LogFormat, type NatterServer} from '../../server/index.js';
import {defaultCoreLimits} from '../../server/core/chat-core.js';
import type {ServerOptions} from '../../server/index.js';
import {exemptListProblem, parseExemptList} from '../../server/net/address-limits.js';
import {defaultGuardLimits} from '../../server/net/guard.js';
import {logFormats} from '../../server/log.js';
import {DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX} from '../../server/store/index.js';
import {DEFAULT_PRESENCE_TTL_MS} from '../../server/cluster/index.js';

const help = `
	Usage
	  $ natter serve [options]

	Runs the natter chat server. When it is ready it prints exactly one line on stdout:
	  natter listening on <host>:<port>
	(split at the last ":"; with --port 0 this is how you learn the port), and with --irc-port
	a second one: natter irc listening on <host>:<port>. Logs go to
	stderr, one line per event, and never hold a password or a message body.

	Options (each can also come from its environment variable; a flag wins)
	  flag                  default        environment
	  --host HOST           ${defaultServerOptions.host}      NATTER_HOST           address to listen on
	  --port PORT           ${defaultServerOptions.port}          NATTER_PORT           TCP port; 0 picks a free one
	  --irc-port PORT       off            NATTER_IRC_PORT       also speak IRC on this port (same host, same
	                                                             TLS; irssi, WeeChat, HexChat: docs/irc.md)
	  --users FILE          ./users.txt    NATTER_USERS          the users file (natter users --help)
	  --data FILE           natter.db      NATTER_DATA           the SQLite data file (groups, messages,
	                        beside the                           read markers, undelivered DMs);
	                        users file                           :memory: keeps nothing (a throwaway server)
	  --history-days N      ${DEFAULT_HISTORY_DAYS}              NATTER_HISTORY_DAYS   prune messages older than N days; 0 keeps them
	  --history-max N       ${DEFAULT_HISTORY_MAX}         NATTER_HISTORY_MAX    keep at most N messages per conversation;
	                                                             0 for no limit
	  --mailbox N           ${defaultCoreLimits.mailboxCap}           NATTER_MAILBOX        undelivered DMs kept per offline user
	  --redis URL           off            NATTER_REDIS          share one chat among several nodes through
	                                                             Redis (redis://host:port[/db]); it then
	                                                             holds everything --data would (see
	                                                             docs/scale-out.md)
	  --presence-ttl SEC    ${DEFAULT_PRESENCE_TTL_MS / 1000}             NATTER_PRESENCE_TTL   with --redis: a node silent this long is
	                                                             gone, its users offline
	  --metrics [HOST:]PORT off            NATTER_METRICS        serve Prometheus metrics at /metrics and
	                                                             /health over HTTP (HOST defaults to 127.0.0.1)
	  --log-format FORMAT   text           NATTER_LOG_FORMAT     text or json
	  --login-timeout SEC   ${defaultServerOptions.loginTimeoutMs / 1000}             NATTER_LOGIN_TIMEOUT  close connections not logged in by then
	  --rate N              ${defaultServerOptions.rate}             NATTER_RATE           commands per second per session after
	                                                             the burst; 0 turns flood control off
	  --burst N             ${defaultServerOptions.burst}             NATTER_BURST          commands a session may send at once
	  --max-outbound BYTES  ${defaultServerOptions.maxOutboundBytes}        NATTER_MAX_OUTBOUND   drop a client with more unsent output
	                                                             than this (a reader that does not read)
	  --tls-cert FILE                      NATTER_TLS_CERT       speak TLS (1.2 or later) on the port, every
	  --tls-key FILE                       NATTER_TLS_KEY        mode, with this certificate (PEM, chain
	                                                             allowed) and private key; both or neither
	  --allow-plaintext     off            NATTER_ALLOW_PLAINTEXT=1  listen without TLS on an address other
	                                                             than loopback (refused otherwise)
	  --max-conn-per-ip N   ${defaultGuardLimits.maxConnectionsPerAddress}             NATTER_MAX_CONN_PER_IP  connections one address may hold at once
	                                                             (an IPv6 address counts by its /64); 0: no cap
	  --conn-rate-per-ip N  ${defaultGuardLimits.newConnectionsPerAddress}             NATTER_CONN_RATE_PER_IP  new connections one address may open per
	                                                             10 minutes; 0: no cap
	  --limit-exempt LIST   127.0.0.0/8,::1  NATTER_LIMIT_EXEMPT  addresses and CIDR ranges no per-address
	                                                             limit applies to; "none" for none
	  --max-sessions N      ${defaultGuardLimits.maxSessionsPerUser}             NATTER_MAX_SESSIONS   sessions one user may have at once; 0: no cap
	  --login-queue N       ${defaultGuardLimits.maxQueuedLogins}            NATTER_LOGIN_QUEUE    logins waiting for their password check; past
	                                                             it a login is answered "busy"; 0: no cap
	  --max-groups N        ${defaultCoreLimits.maxGroups}          NATTER_MAX_GROUPS     groups on the server; 0: no cap
	  --max-groups-per-user N  ${defaultCoreLimits.maxGroupsPerUser}         NATTER_MAX_GROUPS_PER_USER  groups one user may be in; 0: no cap
	  --help                                               show this help

	TLS
	  Without TLS the server listens only on loopback (127.0.0.1, ::1, localhost) unless
	  --allow-plaintext is given. With TLS the one port speaks only TLS; clients use
	  natter connect --tls / natter pipe --tls, or openssl s_client for text mode. The certificate's
	  fingerprint is logged at start (event "tls"). natter tls selfsigned --out DIR makes a pair.

	Signals
	  SIGTERM, SIGINT   stop accepting, send every client "bye" (shutdown), flush, exit 0
	  SIGHUP            reload the users file (a bad file keeps the old users; the error is logged)
	                    and the TLS certificate and key (nobody is disconnected; a bad pair keeps
	                    the old one, logged as tls_reload_failed)

	Exit codes: 0 stopped by a signal, 1 failure (bad users file, bad or unwritable data file,
	Redis unreachable at start,
	unreadable or mismatched TLS certificate and key, port in use), 2 usage error (also: a
	non-loopback address without TLS or --allow-plaintext).
`;

class UsageError extends Error {}

type ServeSettings = {
	readonly host: string;
	readonly port: number;
	readonly ircPort: number | undefined;
	readonly usersFile: string;
	readonly logFormat: LogFormat;
	readonly loginTimeoutMs: number;
	readonly rate: number;
	readonly burst: number;
	readonly maxOutboundBytes: number;
	readonly data: string;
	readonly historyDays: number;
	readonly historyMax: number;
	readonly mailboxCap: number;
	readonly redis: {readonly url: string; readonly presenceTtlMs: number} | undefined;
	readonly tls: {readonly certFile: string; readonly keyFile: string} | undefined;
	readonly allowPlaintext: boolean;
	readonly metrics: {readonly host: string; readonly port: number} | undefined;
	/** Per-address, per-user and group limits (docs/server.md "Limits"). */
	readonly limits: NonNullable<ServerOptions['limits']>;
};

type FlagValues = Readonly<Record<string, string | undefined>>;

/** `PORT`, `HOST:PORT` or `[V6]:PORT`; a bare port means loopback. */
function parseMetricsAddress(picked: {value: string; source: string}): {host: string; port: number} {
	const match = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(picked.value.trim());
	const port = match ? Number(match[3]) : Number.NaN;
	if (!match || port > 65_535) {
		throw new UsageError(`${picked.source} must be PORT or HOST:PORT (such as 9464 or 0.0.0.0:9464), not ${JSON.stringify(picked.value)}`);
	}

	return {host: match[1] ?? match[2] ?? '127.0.0.1', port};
}

/** A flag's value, else its environment variable's, else undefined. */
function pick(flags: FlagValues, flag: string, env: string): {value: string; source: string} | undefined {
	const fromFlag = flags[flag];
	if (fromFlag !== undefined) {
		return {value: fromFlag, source: `--${flag.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`};
	}

	const fromEnv = process.env[env];
	return fromEnv === undefined || fromEnv === '' ? undefined : {value: fromEnv, source: env};
}

function parseNumber(flags: FlagValues, flag: string, env: string, fallback: number, check: {integer?: boolean; min: number; max?: number}): number {
	const picked = pick(flags, flag, env);
	if (!picked) {
		return fallback;
	}

	const value = Number(picked.value);
	const valid = picked.value.trim() !== '' && Number.isFinite(value) && (!check.integer || Number.isInteger(value))
		&& value >= check.min && (check.max === undefined || value <= check.max);
	if (!valid) {
		const range = check.max === undefined ? `at least ${check.min}` : `${check.min} to ${check.max}`;
		throw new UsageError(`${picked.source} must be ${check.integer ? 'an integer' : 'a number'} ${range}, not ${JSON.stringify(picked.value)}`);
	}

	return value;
}

export function parseServeSettings(flags: FlagValues): ServeSettings {
	const format = pick(flags, 'logFormat', 'NATTER_LOG_FORMAT');
	if (format && !logFormats.includes(format.value as LogFormat)) {
		throw new UsageError(`${format.source} must be text or json, not ${JSON.stringify(format.value)}`);
	}

	const host = pick(flags, 'host', 'NATTER_HOST');
	if (host && host.value.trim() === '') {
		throw new UsageError(`${host.source} must not be empty`);
	}

	const users = pick(flags, 'users', 'NATTER_USERS');
	if (users && users.value.trim() === '') {
		throw new UsageError(`${users.source} must not be empty`);
	}

	const data = pick(flags, 'data', 'NATTER_DATA');
	if (data && data.value.trim() === '') {
		throw new UsageError(`${data.source} must not be empty`);
	}

	const usersFile = users?.value ?? './users.txt';
	const redis = parseRedis(flags, data, pick(flags, 'historyDays', 'NATTER_HISTORY_DAYS'));
	const metrics = pick(flags, 'metrics', 'NATTER_METRICS');
	const tlsCert = pick(flags, 'tlsCert', 'NATTER_TLS_CERT');
	const tlsKey = pick(flags, 'tlsKey', 'NATTER_TLS_KEY');
	if ((tlsCert === undefined) !== (tlsKey === undefined)) {
		throw new UsageError(tlsCert ? `${tlsCert.source} needs --tls-key FILE (or NATTER_TLS_KEY) too` : `${tlsKey!.source} needs --tls-cert FILE (or NATTER_TLS_CERT) too`);
	}

	const allowPlaintext = pick(flags, 'allowPlaintext', 'NATTER_ALLOW_PLAINTEXT');
	if (allowPlaintext && !/^(1|0|true|false|yes|no)$/i.test(allowPlaintext.value)) {
		throw new UsageError(`${allowPlaintext.source} must be 1 or 0, not ${JSON.stringify(allowPlaintext.value)}`);
	}

	return {
		metrics: metrics ? parseMetricsAddress(metrics) : undefined,
		data: data?.value ?? path.join(path.dirname(usersFile), 'natter.db'),
		historyDays: parseNumber(flags, 'historyDays', 'NATTER_HISTORY_DAYS', DEFAULT_HISTORY_DAYS, {min: 0}),
		historyMax: parseNumber(flags, 'historyMax', 'NATTER_HISTORY_MAX', DEFAULT_HISTORY_MAX, {integer: true, min: 0}),
		redis,
		mailboxCap: parseNumber(flags, 'mailbox', 'NATTER_MAILBOX', defaultCoreLimits.mailboxCap, {integer: true, min: 1}),
		host: host?.value ?? defaultServerOptions.host,
		port: parseNumber(flags, 'port', 'NATTER_PORT', defaultServerOptions.port, {integer: true, min: 0, max: 65_535}),
		ircPort: pick(flags, 'ircPort', 'NATTER_IRC_PORT') ? parseNumber(flags, 'ircPort', 'NATTER_IRC_PORT', 0, {integer: true, min: 0, max: 65_535}) : undefined,
		usersFile,
		logFormat: (format?.value ?? 'text') as LogFormat,
		loginTimeoutMs: Math.round(1000 * parseNumber(flags, 'loginTimeout', 'NATTER_LOGIN_TIMEOUT', defaultServerOptions.loginTimeoutMs / 1000, {min: 0.001})),
		rate: parseNumber(flags, 'rate', 'NATTER_RATE', defaultServerOptions.rate, {min: 0}),
		burst: parseNumber(flags, 'burst', 'NATTER_BURST', defaultServerOptions.burst, {integer: true, min: 1}),
		tls: tlsCert && tlsKey ? {certFile: tlsCert.value, keyFile: tlsKey.value} : undefined,
		allowPlaintext: allowPlaintext !== undefined && /^(1|true|yes)$/i.test(allowPlaintext.value),
		maxOutboundBytes: parseNumber(flags, 'maxOutbound', 'NATTER_MAX_OUTBOUND', defaultServerOptions.maxOutboundBytes, {integer: true, min: 1024}),
		limits: parseLimits(flags),
	};
}

type Picked = {value: string; source: string} | undefined;

/** `--redis URL` and `--presence-ttl`; `--data` and `--history-days` do not apply to a Redis store, so they are refused with it. */
function parseRedis(flags: FlagValues, data: Picked, historyDays: Picked): ServeSettings['redis'] {
	const url = pick(flags, 'redis', 'NATTER_REDIS');
	const ttl = pick(flags, 'presenceTtl', 'NATTER_PRESENCE_TTL');
	if (!url) {
		if (ttl) {
			throw new UsageError(`${ttl.source} needs --redis URL (or NATTER_REDIS)`);
		}

		return undefined;
	}

	if (!/^rediss?:\/\/[^\s/]+(\/\d+)?\/?$/.test(url.value.trim())) {
		throw new UsageError(`${url.source} must be redis://[user:password@]host:port[/db] (or rediss:// for TLS), not ${JSON.stringify(url.value)}`);
	}

	if (data) {
		throw new UsageError(`${data.source} does not go with ${url.source}: the chat's state is in Redis`);
	}

	if (historyDays && Number(historyDays.value) !== 0) {
		throw new UsageError(`${historyDays.source} does not go with ${url.source}: Redis streams are bounded by --history-max`);
	}

	const presenceTtlMs = Math.round(1000 * parseNumber(flags, 'presenceTtl', 'NATTER_PRESENCE_TTL', DEFAULT_PRESENCE_TTL_MS / 1000, {min: 0.3, max: 3600}));
	return {url: url.value.trim(), presenceTtlMs};
}

function parseLimits(flags: FlagValues): NonNullable<ServerOptions['limits']> {
	const exempt = pick(flags, 'limitExempt', 'NATTER_LIMIT_EXEMPT');
	const problem = exempt ? exemptListProblem(exempt.value) : undefined;
	if (exempt && problem !== undefined) {
		throw new UsageError(`${exempt.source}: ${problem}; give addresses and CIDR ranges separated by commas (127.0.0.0/8,::1), or none`);
	}

	const count = {integer: true, min: 0} as const;
	return {
		maxConnectionsPerAddress: parseNumber(flags, 'maxConnPerIp', 'NATTER_MAX_CONN_PER_IP', defaultGuardLimits.maxConnectionsPerAddress, count),
		newConnectionsPerAddress: parseNumber(flags, 'connRatePerIp', 'NATTER_CONN_RATE_PER_IP', defaultGuardLimits.newConnectionsPerAddress, count),
		exemptAddresses: exempt ? parseExemptList(exempt.value) : defaultGuardLimits.exemptAddresses,
		maxSessionsPerUser: parseNumber(flags, 'maxSessions', 'NATTER_MAX_SESSIONS', defaultGuardLimits.maxSessionsPerUser, count),
		maxQueuedLogins: parseNumber(flags, 'loginQueue', 'NATTER_LOGIN_QUEUE', defaultGuardLimits.maxQueuedLogins, count),
		maxGroups: parseNumber(flags, 'maxGroups', 'NATTER_MAX_GROUPS', defaultCoreLimits.maxGroups, count),
		maxGroupsPerUser: parseNumber(flags, 'maxGroupsPerUser', 'NATTER_MAX_GROUPS_PER_USER', defaultCoreLimits.maxGroupsPerUser, count),
	};
}

function fail(message: string): void {
	process.stderr.write(`natter serve: ${message}\n`);
}

export async function run(argv: string[]): Promise<number> {
	const cli = meow(help, {
		importMeta: import.meta,
		argv,
		autoHelp: false,
		autoVersion: false,
		description: false,
		allowUnknownFlags: false,
		flags: {
			host: {type: 'string'},
			port: {type: 'string'},
			ircPort: {type: 'string'},
			users: {type: 'string'},
			logFormat: {type: 'string'},
			loginTimeout: {type: 'string'},
			rate: {type: 'string'},
			burst: {type: 'string'},
			maxOutbound: {type: 'string'},
			data: {type: 'string'},
			historyDays: {type: 'string'},
			historyMax: {type: 'string'},
			mailbox: {type: 'string'},
			redis: {type: 'string'},
			presenceTtl: {type: 'string'},
			metrics: {type: 'string'},
			maxConnPerIp: {type: 'string'},
			connRatePerIp: {type: 'string'},
			limitExempt: {type: 'string'},
			maxSessions: {type: 'string'},
			loginQueue: {type: 'string'},
			maxGroups: {type: 'string'},
			maxGroupsPerUser: {type: 'string'},
			tlsCert: {type: 'string'},
			tlsKey: {type: 'string'},
			allowPlaintext: {type: 'boolean'},
			help: {type: 'boolean', shortFlag: 'h', default: false},
		},
	});

	if (cli.flags.help) {
		process.stdout.write(`${cli.help}\n`);
		return 0;
	}

	if (cli.input.length > 0) {
		fail(`unexpected argument ${JSON.stringify(cli.input[0])} (see natter serve --help)`);
		return 2;
	}

	let settings: ServeSettings;
	try {
		const {host, port, users, logFormat, loginTimeout, rate, burst, maxOutbound, data, historyDays, historyMax, mailbox} = cli.flags;
		const {tlsCert, tlsKey} = cli.flags;
		const {metrics, redis, presenceTtl, ircPort} = cli.flags;
		const {maxConnPerIp, connRatePerIp, limitExempt, maxSessions, loginQueue, maxGroups, maxGroupsPerUser} = cli.flags;
		const limitFlags = {maxConnPerIp, connRatePerIp, limitExempt, maxSessions, loginQueue, maxGroups, maxGroupsPerUser};
		const allowPlaintext = cli.flags.allowPlaintext === true ? '1' : undefined;
		settings = parseServeSettings({host, port, users, logFormat, loginTimeout, rate, burst, maxOutbound, data, historyDays, historyMax, mailbox, redis, presenceTtl, tlsCert, tlsKey, allowPlaintext, metrics, ircPort, ...limitFlags});
	} catch (error) {
		if (error instanceof UsageError) {
			fail(`${error.message} (see natter serve --help)`);
			return 2;
		}

		throw error;
	}

	const logger = createLogger({format: settings.logFormat});
	let server: NatterServer;
	try {
		server = await startServer({
			host: settings.host,
			port: settings.port,
			...(settings.ircPort === undefined ? {} : {ircPort: settings.ircPort}),
			usersFile: settings.usersFile,
			logger,
			loginTimeoutMs: settings.loginTimeoutMs,
			rate: settings.rate,
			burst: settings.burst,
			maxOutboundBytes: settings.maxOutboundBytes,
			data: settings.data,
			historyDays: settings.historyDays,
			historyMax: settings.historyMax,
			mailboxCap: settings.mailboxCap,
			...(settings.redis ? {redis: settings.redis} : {}),
			...(settings.tls ? {tls: settings.tls} : {}),
			allowPlaintext: settings.allowPlaintext,
			...(settings.metrics ? {metrics: settings.metrics} : {}),
			limits: settings.limits,
		});
	} catch (error) {
		if (error instanceof PlaintextRefusedError) {
			fail(error.message);
			return 2;
		}

		if (error instanceof UsersFileError || error instanceof TlsConfigError) {
			fail(error.message);
			return 1;
		}

		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
			fail(`cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`);
			return 1;
		}

		fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
		return 1;
	}

	return new Promise<number>(resolve => {
		let stopping = false;
		const stop = (signal: NodeJS.Signals) => {
			if (stopping) {
				// A second signal while clients are still flushing: stop waiting.
				logger.log('warn', 'shutdown_forced', {signal});
				process.exit(1);
			}

			stopping = true;
			logger.log('info', 'shutdown', {signal});
			server.close().then(() => {
				process.off('SIGTERM', stop);
				process.off('SIGINT', stop);
				process.off('SIGHUP', reload);
				resolve(0);
			}, (error: unknown) => {
				logger.log('error', 'error', {during: 'shutdown', message: error instanceof Error ? error.message : String(error)});
				resolve(1);
			});
		};

		const reload = () => {
			// reloadUsers logs the outcome either way; a bad file keeps the old users.
			server.reloadUsers().catch(() => {});
			// reloadTls logs too; a bad pair keeps the old one, and open connections keep theirs either way.
			server.reloadTls().catch(() => {});
		};

		process.on('SIGTERM', stop);
		process.on('SIGINT', stop);
		process.on('SIGHUP', reload);
		// Only now: whoever reads this line may signal at once, and must find the handlers in place.
		process.stdout.write(`natter listening on ${server.address.host}:${server.address.port}\n${server.ircAddress ? `natter irc listening on ${server.ircAddress.host}:${server.ircAddress.port}\n` : ''}`);
	});
}
