import type {Buffer} from 'node:buffer';
import type {ServerEvent} from '../../source/protocol/index.js';

/** A wire format's encoder. `slot` is a small integer unique per format (text 0, JSON 1, IRC 2–4: one per tag set). */
export type Encoder = {
	readonly slot: number;
	encode(event: ServerEvent): Buffer;
};

/**
One event on its way to many sessions. Each wire format encodes it at most once, on first use,
and every recipient speaking that format gets the very same bytes: fan-out costs one write per
recipient and nothing else. The core makes envelopes; only the edge knows the formats.
*/
export class Envelope {
	readonly event: ServerEvent;
	readonly #encoded: Array<Buffer | undefined> = [];

	constructor(event: ServerEvent) {
		this.event = event;
	}

	bytes(encoder: Encoder): Buffer {
		let bytes = this.#encoded[encoder.slot];
		if (bytes === undefined) {
			bytes = encoder.encode(this.event);
			this.#encoded[encoder.slot] = bytes;
		}

		return bytes;
	}
}
