import {performance} from 'node:perf_hooks';

export type AccountThrottleOptions = {
	/** Failed logins per account within `windowMs` before further tries are refused; 0: no limit. */
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

type Account = {
	/** Times of the failures still inside the window, oldest first. */
	failures: number[];
	/** Address → when it last logged in successfully. */
	readonly known: Map<string, number>;
};

/**
Slows password guessing per account, whatever the address (ergo: 3 tries per minute per account):
after `maxFailures` failures within the window, a login to that account from an address that has
not logged in to it before is refused without a password check until the oldest failure leaves the
window (at most `windowMs`). An address that logged in to the account successfully is never
throttled, so an attacker guessing elsewhere cannot lock the real user out from where they log in.
Unknown names are counted like known ones, so the throttle says nothing about who is registered.
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
		return entry.failures.length < maxFailures ? 0 : Math.max(1, Math.ceil(entry.failures[0]! + windowMs - now));
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
		entry.failures.push(now);
	}

	succeed(account: string, address: string): void {
		const entry = this.#entry(account);
		entry.known.delete(address);
		entry.known.set(address, this.#now());
		while (entry.known.size > this.#options.knownAddressesPerAccount) {
			entry.known.delete(entry.known.keys().next().value!);
		}
	}

	/** Accounts remembered. */
	get size(): number {
		return this.#accounts.size;
	}

	#isKnown(entry: Account, address: string): boolean {
		const when = entry.known.get(address);
		return when !== undefined && this.#now() - when < this.#options.knownForMs;
	}

	#prune(entry: Account, now: number): void {
		const {windowMs} = this.#options;
		while (entry.failures.length > 0 && now - entry.failures[0]! >= windowMs) {
			entry.failures.shift();
		}
	}

	#entry(account: string): Account {
		let entry = this.#accounts.get(account);
		if (entry) {
			this.#accounts.delete(account);
		} else {
			entry = {failures: [], known: new Map()};
			while (this.#accounts.size >= this.#options.maxAccounts) {
				this.#accounts.delete(this.#accounts.keys().next().value!);
			}
		}

		this.#accounts.set(account, entry);
		return entry;
	}
}
