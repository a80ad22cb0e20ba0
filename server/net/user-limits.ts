import {performance} from 'node:perf_hooks';
import {TokenBucket} from './token-bucket.js';

export type UserLimitOptions = {
	/** Sessions one user may have at once; 0: no limit. */
	readonly maxSessions: number;
	/** Lines per second one user may send over all their sessions, after `burst`; 0: no limit. */
	readonly rate: number;
	readonly burst: number;
	readonly now?: () => number;
	/** With several nodes: the user's sessions on the other nodes, counted against `maxSessions` too. */
	readonly elsewhere?: (user: string) => number;
};

export const defaultMaxSessions = 10;

/** One session's hold on its user's counters; released when the session ends. */
export type UserLease = {
	/** The bucket every session of this user draws from (undefined: no per-user flood limit). */
	readonly flood: TokenBucket | undefined;
	release(): void;
};

type Entry = {sessions: number; readonly flood: TokenBucket | undefined};

/** A session's lease: a small object with a method, not a closure per session. */
class Lease implements UserLease {
	readonly flood: TokenBucket | undefined;
	/** Until released. */
	#entry: Entry | undefined;

	constructor(entry: Entry) {
		this.flood = entry.flood;
		this.#entry = entry;
	}

	release(): void {
		if (this.#entry) {
			this.#entry.sessions--;
			this.#entry = undefined;
		}
	}
}

/**
Per-user limits: sessions at once, and a flood bucket shared by all of a user's sessions, so that
ten sessions do not get ten times the budget. Entries are kept after the last session ends (a
user cannot refill the bucket by logging in again); there is at most one per registered user.
*/
export class UserLimits {
	readonly #options: UserLimitOptions;
	readonly #now: () => number;
	readonly #entries = new Map<string, Entry>();

	constructor(options: UserLimitOptions) {
		this.#options = options;
		this.#now = options.now ?? (() => performance.now());
	}

	get maxSessions(): number {
		return this.#options.maxSessions;
	}

	/** A new session of `user`, or undefined when the user already has the most allowed. */
	acquire(user: string): UserLease | undefined {
		let entry = this.#entries.get(user);
		if (!entry) {
			const {rate, burst} = this.#options;
			entry = {sessions: 0, flood: rate > 0 ? new TokenBucket(rate, burst, this.#now) : undefined};
			this.#entries.set(user, entry);
		}

		const {maxSessions, elsewhere} = this.#options;
		if (maxSessions > 0 && entry.sessions + (elsewhere?.(user) ?? 0) >= maxSessions) {
			return undefined;
		}

		entry.sessions++;
		return new Lease(entry);
	}

	sessions(user: string): number {
		return this.#entries.get(user)?.sessions ?? 0;
	}
}
