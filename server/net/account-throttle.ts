import {performance} from 'node:perf_hooks';

export type AccountThrottleOptions = {
	/** Failed logins per account from one address within `windowMs` before that address is refused (ten times as many from all addresses: every unknown one); 0: no limit. */
	readonly maxFailures: number;
	readonly windowMs: number;
	/** Addresses remembered per account as having logged in to it (they are never throttled). */
	readonly knownAddressesPerAccount?: number;
	/** How long a successful login keeps its address known. */
	readonly knownForMs?: number;
	/** Accounts remembered at most (least recently failed forgotten first). */
	readonly maxAccounts?: number;
	readonly now?: () => number;
};

export const defaultAccountThrottle = {maxFailures: 3, windowMs: 60_000} as const;

/** Failures from this many addresses' worth (times `maxFailures`) lock the account for every unknown address. */
const spreadFactor = 10;

type Account = {
	/** The failures still inside the window, oldest first, as one flat list (address, time, address, time, …); made at the first failure. */
	failures: Array<string | number> | undefined;
	/**
	The addresses that logged in successfully and when, least recent first, as one flat list
	(address, time, address, time, …): at most `knownAddressesPerAccount` of them, so a small array
	does what a Map per account did at a fraction of its memory.
	*/
	known: Array<string | number> | undefined;
};

/** Where `address` is in a known list, or -1. */
function knownIndex(known: ReadonlyArray<string | number>, address: string): number {
	for (let index = 0; index < known.length; index += 2) {
		if (known[index] === address) {
			return index;
		}
	}

	return -1;
}

/**
Slows password guessing per account. After `maxFailures` failures within the window from one
address, that address is refused without a password check for the account until its oldest
failure leaves the window (at most `windowMs`); so a guesser locks only itself out, not the real
user logging in from elsewhere, even from an address new to the account. Guessing spread over
many addresses is caught by the account as a whole: after `maxFailures` × 10 failures within the
window, from however many addresses, every address that has not logged in to the account before
is refused the same way. An address that logged in to the account successfully is never
throttled. Unknown names are counted like known ones, so the throttle says nothing about who is
registered.
*/
export class AccountThrottle {
	readonly #options: Required<Omit<AccountThrottleOptions, 'now'>>;
	readonly #now: () => number;
	readonly #accounts = new Map<string, Account>();

	constructor(options: AccountThrottleOptions) {
		this.#options = {
			knownAddressesPerAccount: 8,
			knownForMs: 30 * 24 * 60 * 60 * 1000,
			maxAccounts: 100_000,
			...options,
		};
		this.#now = options.now ?? (() => performance.now());
	}

	/** 0 when `account` may be tried from `address` now, else the milliseconds until it may. */
	wait(account: string, address: string): number {
		const {maxFailures, windowMs} = this.#options;
		const entry = this.#accounts.get(account);
		if (maxFailures <= 0 || entry === undefined || this.#isKnown(entry, address)) {
			return 0;
		}

		const now = this.#now();
		this.#prune(entry, now);
		const {failures} = entry;
		if (failures === undefined) {
			return 0;
		}

		// This address's failures, and the oldest of them.
		let mine = 0;
		let oldestMine = 0;
		for (let index = 0; index < failures.length; index += 2) {
			if (failures[index] === address && mine++ === 0) {
				oldestMine = failures[index + 1] as number;
			}
		}

		if (mine >= maxFailures) {
			return Math.max(1, Math.ceil(oldestMine + windowMs - now));
		}

		return failures.length / 2 < maxFailures * spreadFactor ? 0 : Math.max(1, Math.ceil((failures[1] as number) + windowMs - now));
	}

	fail(account: string, address: string): void {
		if (this.#options.maxFailures <= 0) {
			return;
		}

		const entry = this.#entry(account);
		if (this.#isKnown(entry, address)) {
			return;
		}

		const now = this.#now();
		this.#prune(entry, now);
		if (entry.failures === undefined) {
			entry.failures = [address, now];
		} else {
			entry.failures.push(address, now);
		}
	}

	succeed(account: string, address: string): void {
		const entry = this.#entry(account);
		const now = this.#now();
		let {known} = entry;
		if (known === undefined) {
			// Made with its first pair: an empty array grown by push would reserve room for 17 elements.
			known = [address, now];
			entry.known = known;
		} else {
			const index = knownIndex(known, address);
			if (index !== -1) {
				known.splice(index, 2);
			}

			known.push(address, now);
		}

		while (known.length > 2 * this.#options.knownAddressesPerAccount) {
			known.splice(0, 2);
		}
	}

	/** Accounts remembered. */
	get size(): number {
		return this.#accounts.size;
	}

	#isKnown(entry: Account, address: string): boolean {
		const known = entry.known;
		const index = known ? knownIndex(known, address) : -1;
		return index !== -1 && this.#now() - (known![index + 1] as number) < this.#options.knownForMs;
	}

	#prune(entry: Account, now: number): void {
		const {windowMs} = this.#options;
		const {failures} = entry;
		let stale = 0;
		while (failures !== undefined && stale < failures.length && now - (failures[stale + 1] as number) >= windowMs) {
			stale += 2;
		}

		if (stale > 0) {
			failures!.splice(0, stale);
		}
	}

	#entry(account: string): Account {
		let entry = this.#accounts.get(account);
		if (entry) {
			this.#accounts.delete(account);
		} else {
			entry = {failures: undefined, known: undefined};
			while (this.#accounts.size >= this.#options.maxAccounts) {
				this.#accounts.delete(this.#accounts.keys().next().value!);
			}
		}

		this.#accounts.set(account, entry);
		return entry;
	}
}
