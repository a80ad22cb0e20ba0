import type {Envelope} from './envelope.js';

/**
Live deliveries kept back while a session's backlog is sent (see `SessionSink.hold`): a session
sink keeps one and asks it first. `limit` bounds what one session may hold.
*/
export class HeldDeliveries {
	readonly #limit: number;
	#held: Envelope[] | undefined;

	constructor(limit = Number.POSITIVE_INFINITY) {
		this.#limit = limit;
	}

	hold(): void {
		this.#held ??= [];
	}

	/** Keeps `envelope` back if holding: 'held'; 'overflow' past the limit (the held ones are dropped); else 'pass'. */
	offer(envelope: Envelope): 'held' | 'overflow' | 'pass' {
		const held = this.#held;
		if (held === undefined) {
			return 'pass';
		}

		if (held.push(envelope) > this.#limit) {
			this.#held = [];
			return 'overflow';
		}

		return 'held';
	}

	/** Stops holding and hands over what was held, in order, but those `skip` says were already sent. */
	release(skip: (envelope: Envelope) => boolean, deliver: (envelope: Envelope) => void): void {
		const held = this.#held ?? [];
		this.#held = undefined;
		for (const envelope of held) {
			if (!skip(envelope)) {
				deliver(envelope);
			}
		}
	}

	/** Forgets what is held (the session is gone). */
	drop(): void {
		this.#held = undefined;
	}
}
