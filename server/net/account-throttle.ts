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
	/** Times of the failures still inside the window, oldest first (made at the first failure). */
	failures: number[] | undefined;
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
		const {failures} = entry;
		return failures === undefined || failures.length < maxFailures ? 0 : Math.max(1, Math.ceil(failures[0]! + windowMs - now));
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
		(entry.failures ??= []).push(now);
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
		while (failures !== undefined && failures.length > 0 && now - failures[0]! >= windowMs) {
			failures.shift();
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
