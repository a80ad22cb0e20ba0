import {LatencyHistogram} from '../histogram.js';
import {readSender, readSentMicros, readSequence} from '../token.js';

/**
Counts every benchmark message the load generator's clients receive. Sequence numbers run per
(sender, recipient) pair from 0, so each pair's next expected number is enough to tell an
in-order delivery from a duplicate or an out-of-order one without keeping the messages.
*/
export class DeliveryCounter {
	readonly latency = new LatencyHistogram();
	/** Unique deliveries (duplicates are counted apart). */
	delivered = 0;
	/** A sequence number at or below one already seen from the same sender. */
	duplicates = 0;
	/** A sequence number past the next expected one: an earlier message is missing or late. */
	outOfOrder = 0;
	/** A sender's own message coming back in its `ok` reply. */
	acks = 0;
	/** Every byte the counting clients read, events of all kinds included. */
	bytesReceived = 0;
	readonly #clients: number;
	readonly #nextSequence: Int32Array;

	constructor(clients: number) {
		this.#clients = clients;
		this.#nextSequence = new Int32Array(clients * clients);
	}

	/** One token at `offset` of `bytes`, received by client `receiver` at `nowMicros`. */
	onToken(receiver: number, bytes: Uint8Array, offset: number, nowMicros: number): void {
		const sender = readSender(bytes, offset);
		if (sender === receiver) {
			this.acks++;
			return;
		}

		const sequence = readSequence(bytes, offset);
		const slot = (receiver * this.#clients) + sender;
		const expected = this.#nextSequence[slot]!;
		if (sequence < expected) {
			this.duplicates++;
			return;
		}

		if (sequence > expected) {
			this.outOfOrder++;
		}

		this.#nextSequence[slot] = sequence + 1;
		this.delivered++;
		this.latency.record(nowMicros - readSentMicros(bytes, offset));
	}
}
