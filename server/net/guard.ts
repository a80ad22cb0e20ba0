import type {Logger} from '../log.js';
import {AccountThrottle, defaultAccountThrottle} from './account-throttle.js';
import {AddressLimits, defaultAddressLimits, defaultExemptAddresses} from './address-limits.js';
import {BurstLog} from './burst-log.js';
import {LoginGate} from './login-gate.js';
import {defaultMaxSessions, UserLimits} from './user-limits.js';

/** Every limit of the guard, as `startServer` takes them (all optional there). */
export type GuardLimits = {
	/** Connections at once per address (0: none). Default 16. */
	readonly maxConnectionsPerAddress: number;
	/** New connections per address per `connectionWindowMs` (0: none). Default 32. */
	readonly newConnectionsPerAddress: number;
	/** Default 10 minutes. */
	readonly connectionWindowMs: number;
	/** Addresses and CIDR ranges exempt from every per-address limit. Default loopback (127.0.0.0/8, ::1). */
	readonly exemptAddresses: readonly string[];
	/** Lines per second per address over all its connections (0: none). Default 5 × the session rate. */
	readonly addressRate: number;
	readonly addressBurst: number;
	/** Sessions per user at once (0: none). Default 10. */
	readonly maxSessionsPerUser: number;
	/** Lines per second per user over all their sessions (0: none). Default 2 × the session rate. */
	readonly userRate: number;
	readonly userBurst: number;
	/** Login checks waiting for a bcrypt worker, server-wide (0: none). Default 64: at cost 12 (~0.3 s a check) on one worker the last one still starts well inside the 30 s login timeout. */
	readonly maxQueuedLogins: number;
	/** Login checks waiting or running per address (0: none). Default 4. */
	readonly maxPendingLoginsPerAddress: number;
	/** Failed logins per account per `accountWindowMs` before it is throttled (0: none). Default 3. */
	readonly accountMaxFailures: number;
	readonly accountWindowMs: number;
	/** Lines answered with an error before login, after which the connection is closed (`bye excess_flood`). Default 10. */
	readonly maxErrorsBeforeLogin: number;
	/** Lines in a row refused for flood control after which the connection is closed (`bye excess_flood`). Default 100. */
	readonly maxRefusedInARow: number;
};

export const defaultGuardLimits = {
	maxConnectionsPerAddress: defaultAddressLimits.maxConnections,
	newConnectionsPerAddress: defaultAddressLimits.newConnections,
	connectionWindowMs: defaultAddressLimits.windowMs,
	exemptAddresses: defaultExemptAddresses,
	maxSessionsPerUser: defaultMaxSessions,
	maxQueuedLogins: 64,
	maxPendingLoginsPerAddress: defaultAddressLimits.maxPendingLogins,
	accountMaxFailures: defaultAccountThrottle.maxFailures,
	accountWindowMs: defaultAccountThrottle.windowMs,
	maxErrorsBeforeLogin: 10,
	maxRefusedInARow: 100,
	/** Per-user and per-address flood buckets, as multiples of the per-session rate and burst. */
	userRateFactor: 2,
	addressRateFactor: 5,
} as const;

/** The limits from the session rate and burst and whatever was given. */
export function guardLimits(rate: number, burst: number, given: Partial<GuardLimits>): GuardLimits {
	const d = defaultGuardLimits;
	return {
		maxConnectionsPerAddress: given.maxConnectionsPerAddress ?? d.maxConnectionsPerAddress,
		newConnectionsPerAddress: given.newConnectionsPerAddress ?? d.newConnectionsPerAddress,
		connectionWindowMs: given.connectionWindowMs ?? d.connectionWindowMs,
		exemptAddresses: given.exemptAddresses ?? d.exemptAddresses,
		addressRate: given.addressRate ?? rate * d.addressRateFactor,
		addressBurst: given.addressBurst ?? burst * d.addressRateFactor,
		maxSessionsPerUser: given.maxSessionsPerUser ?? d.maxSessionsPerUser,
		userRate: given.userRate ?? rate * d.userRateFactor,
		userBurst: given.userBurst ?? burst * d.userRateFactor,
		maxQueuedLogins: given.maxQueuedLogins ?? d.maxQueuedLogins,
		maxPendingLoginsPerAddress: given.maxPendingLoginsPerAddress ?? d.maxPendingLoginsPerAddress,
		accountMaxFailures: given.accountMaxFailures ?? d.accountMaxFailures,
		accountWindowMs: given.accountWindowMs ?? d.accountWindowMs,
		maxErrorsBeforeLogin: given.maxErrorsBeforeLogin ?? d.maxErrorsBeforeLogin,
		maxRefusedInARow: given.maxRefusedInARow ?? d.maxRefusedInARow,
	};
}

/**
What protects the server from one hostile client, shared by every connection: per-address
connection caps and flood bucket, per-user session cap and flood bucket, the bounded login-check
queue, the per-account login throttle, and the once-per-burst log lines for all of them.
*/
export class ConnectionGuard {
	readonly limits: GuardLimits;
	readonly addresses: AddressLimits;
	readonly users: UserLimits;
	readonly gate: LoginGate;
	readonly accounts: AccountThrottle;
	readonly refusedLog: BurstLog;
	readonly busyLog: BurstLog;
	readonly acceptErrorLog: BurstLog;

	constructor(options: {readonly limits: GuardLimits; readonly verify: (name: string, password: string) => Promise<boolean>; readonly checkConcurrency: number; readonly logger: Logger; readonly sessionsElsewhere?: (user: string) => number}) {
		const {limits, logger} = options;
		this.limits = limits;
		this.addresses = new AddressLimits({
			maxConnections: limits.maxConnectionsPerAddress,
			newConnections: limits.newConnectionsPerAddress,
			windowMs: limits.connectionWindowMs,
			rate: limits.addressRate,
			burst: limits.addressBurst,
			maxPendingLogins: limits.maxPendingLoginsPerAddress,
			exempt: limits.exemptAddresses,
		});
		this.users = new UserLimits({maxSessions: limits.maxSessionsPerUser, rate: limits.userRate, burst: limits.userBurst, ...(options.sessionsElsewhere ? {elsewhere: options.sessionsElsewhere} : {})});
		this.gate = new LoginGate({verify: options.verify, concurrency: options.checkConcurrency, maxQueued: limits.maxQueuedLogins});
		this.accounts = new AccountThrottle({maxFailures: limits.accountMaxFailures, windowMs: limits.accountWindowMs});
		this.refusedLog = new BurstLog(logger, 'warn', 'connection_refused');
		this.busyLog = new BurstLog(logger, 'warn', 'login_busy');
		this.acceptErrorLog = new BurstLog(logger, 'error', 'accept_failed');
	}
}
