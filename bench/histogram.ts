/**
Latency histogram in microseconds with log-linear buckets (64 per power of two, so any
percentile is within 1.6 %). Recording is a few integer operations and no allocation.
*/
const subBits = 6;
const subCount = 1 << subBits;

function bucketOf(micros: number): number {
	const value = micros < 1 ? 0 : Math.min(Math.floor(micros), 0x7F_FF_FF_FF);
	if (value < subCount) {
		return value;
	}

	const top = 31 - Math.clz32(value);
	return ((top - subBits + 1) << subBits) | ((value >>> (top - subBits)) & (subCount - 1));
}

/** The largest value that falls into `bucket`, so percentiles are never under-reported. */
function upperBoundOf(bucket: number): number {
	if (bucket < subCount) {
		return bucket;
	}

	const shift = (bucket >>> subBits) - 1;
	const sub = bucket & (subCount - 1);
	return ((subCount + sub + 1) * (2 ** shift)) - 1;
}

export class LatencyHistogram {
	readonly #counts = new Float64Array(32 << subBits);
	#total = 0;
	#max = 0;

	get count(): number {
		return this.#total;
	}

	get maxMicros(): number {
		return this.#max;
	}

	record(micros: number): void {
		this.#counts[bucketOf(micros)]!++;
		this.#total++;
		if (micros > this.#max) {
			this.#max = micros;
		}
	}

	/** `fraction` in 0..1; 0 when nothing was recorded. */
	percentileMicros(fraction: number): number {
		if (this.#total === 0) {
			return 0;
		}

		const rank = Math.max(1, Math.ceil(fraction * this.#total));
		let seen = 0;
		for (const [bucket, count] of this.#counts.entries()) {
			seen += count;
			if (seen >= rank) {
				return Math.min(upperBoundOf(bucket), this.#max);
			}
		}

		return this.#max;
	}

	percentileMs(fraction: number): number {
		return this.percentileMicros(fraction) / 1000;
	}

	reset(): void {
		this.#counts.fill(0);
		this.#total = 0;
		this.#max = 0;
	}
}
