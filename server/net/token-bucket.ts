import {performance} from 'node:perf_hooks';

/** The default clock, one function for every bucket (a default written inline is a new closure per bucket). */
const performanceNow = (): number => performance.now();

/** Flood control per session: `burst` commands at once, then `rate` per second. A rate of 0 disables it. */
export class TokenBucket {
	readonly #rate: number;
	readonly #burst: number;
	readonly #now: () => number;
	#tokens: number;
	#last: number;

	constructor(rate: number, burst: number, now: () => number = performanceNow) {
		this.#rate = rate;
		this.#burst = Math.max(1, burst);
		this.#now = now;
		this.#tokens = this.#burst;
		this.#last = now();
	}

	take(): boolean {
		if (this.#rate <= 0) {
			return true;
		}

		const now = this.#now();
		this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
		this.#last = now;
		if (this.#tokens >= 1) {
			this.#tokens -= 1;
			return true;
		}

		return false;
	}
}
