import {describe, expect, it} from 'vitest';
import {LatencyHistogram} from '../../bench/histogram.js';

describe('LatencyHistogram', () => {
	it('reports percentiles within 1.6 % and never below the true value', () => {
		const histogram = new LatencyHistogram();
		for (let micros = 1; micros <= 100_000; micros++) {
			histogram.record(micros);
		}

		for (const [fraction, exact] of [[0.5, 50_000], [0.99, 99_000], [1, 100_000]] as const) {
			const reported = histogram.percentileMicros(fraction);
			expect(reported).toBeGreaterThanOrEqual(exact);
			expect(reported).toBeLessThanOrEqual(exact * 1.016);
		}
	});

	it('keeps small values exact and resets to empty', () => {
		const histogram = new LatencyHistogram();
		for (const micros of [3, 3, 3, 40]) {
			histogram.record(micros);
		}

		expect(histogram.percentileMicros(0.5)).toBe(3);
		expect(histogram.percentileMicros(1)).toBe(40);
		histogram.reset();
		expect(histogram.count).toBe(0);
		expect(histogram.percentileMicros(0.99)).toBe(0);
	});
});
