import {setTimeout as sleep} from 'node:timers/promises';
import {nowMicros} from './client.js';

/** Sends `count` messages stamped `now` (µs); says how many deliveries they should produce and the bytes written. */
export type SendBatch = (count: number, now: number) => {deliveries: number; bytes: number};

/**
Sends at a steady rate: every tick it sends whatever is due since the start, in one write per
sending socket, so a late tick (a busy load generator) catches up instead of lowering the rate.
*/
export class Pacer {
	messagesSent = 0;
	expectedDeliveries = 0;
	bytesSent = 0;
	readonly #send: SendBatch;
	readonly #tickMs: number;

	constructor(send: SendBatch, tickMs: number) {
		this.#send = send;
		this.#tickMs = tickMs;
	}

	/** Send `messagesPerSecond` until `done()` says stop; resolves with the seconds it ran. */
	async run(messagesPerSecond: number, done: (elapsedSeconds: number) => boolean): Promise<number> {
		const start = performance.now();
		let sentHere = 0;
		for (;;) {
			const elapsed = (performance.now() - start) / 1000;
			if (done(elapsed)) {
				return elapsed;
			}

			const due = Math.floor(messagesPerSecond * elapsed) - sentHere;
			if (due > 0) {
				const {deliveries, bytes} = this.#send(due, nowMicros());
				this.expectedDeliveries += deliveries;
				this.bytesSent += bytes;
				this.messagesSent += due;
				sentHere += due;
			}

			// eslint-disable-next-line no-await-in-loop
			await sleep(this.#tickMs);
		}
	}
}
