export type FailureDelay = {readonly baseMs: number; readonly capMs: number};

export const defaultFailureDelay: FailureDelay = {baseMs: 200, capMs: 2000};

type Failures = {count: number; last: number};

/**
Slows down password guessing per remote address: the n-th failure within the memory window
waits baseMs × 2^(n−1) (capped) before its reply. Successes are never delayed.
*/
export class LoginThrottle {
	readonly #delay: FailureDelay;
	readonly #forgetMs: number;
	readonly #maxAddresses: number;
	readonly #now: () => number;
	// Insertion order is recency order (an entry is re-inserted on every failure), so stale ones sit at the front.
	readonly #failures = new Map<string, Failures>();

	constructor(options: {delay?: FailureDelay; forgetMs?: number; maxAddresses?: number; now?: () => number} = {}) {
		this.#delay = options.delay ?? defaultFailureDelay;
		this.#forgetMs = options.forgetMs ?? 5 * 60 * 1000;
		this.#maxAddresses = options.maxAddresses ?? 100_000;
		this.#now = options.now ?? Date.now;
	}

	/** Records a failed login from `address`; returns how long to wait before saying so (ms). */
	fail(address: string): number {
		const now = this.#now();
		this.#forgetStale(now);
		const previous = this.#failures.get(address);
		const count = previous && now - previous.last <= this.#forgetMs ? previous.count + 1 : 1;
		this.#failures.delete(address);
		this.#failures.set(address, {count, last: now});
		return Math.min(this.#delay.baseMs * (2 ** (count - 1)), this.#delay.capMs);
	}

	/** Addresses currently remembered (bounded by maxAddresses). */
	get size(): number {
		return this.#failures.size;
	}

	#forgetStale(now: number): void {
		for (const [address, failures] of this.#failures) {
			if (now - failures.last <= this.#forgetMs && this.#failures.size < this.#maxAddresses) {
				break;
			}

			this.#failures.delete(address);
		}
	}
}
