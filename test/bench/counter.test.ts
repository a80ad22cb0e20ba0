import {Buffer} from 'node:buffer';
import {describe, expect, it} from 'vitest';
import {DeliveryCounter} from '../../bench/load/counter.js';
import {encodeToken} from '../../bench/token.js';

function deliver(counter: DeliveryCounter, receiver: number, sender: number, sequence: number): void {
	counter.onToken(receiver, Buffer.from(encodeToken(sender, sequence, 1000)), 0, 3000);
}

describe('DeliveryCounter', () => {
	it('counts in-order deliveries per sender and their latency', () => {
		const counter = new DeliveryCounter(3);
		deliver(counter, 0, 1, 0);
		deliver(counter, 0, 2, 0);
		deliver(counter, 0, 1, 1);
		expect(counter.delivered).toBe(3);
		expect(counter.duplicates + counter.outOfOrder).toBe(0);
		expect(counter.latency.percentileMicros(0.5)).toBe(2000);
	});

	it('reports a duplicate, a gap and a sender\'s own ack instead of counting them as deliveries', () => {
		const counter = new DeliveryCounter(2);
		deliver(counter, 0, 1, 0);
		deliver(counter, 0, 1, 0);
		deliver(counter, 0, 1, 2);
		deliver(counter, 1, 1, 5);
		expect(counter.delivered).toBe(2);
		expect(counter.duplicates).toBe(1);
		expect(counter.outOfOrder).toBe(1);
		expect(counter.acks).toBe(1);
	});
});
