import type {Writable} from 'node:stream';
import type {ServerEvent} from '../protocol/index.js';

/**
Writes one JSON object per line and reports backpressure: `onPressure(true)` when the
consumer falls behind (the caller stops reading the server), `onPressure(false)` once it caught up.
*/
export class EventOutput {
	onPressure: (behind: boolean) => void = () => {};
	readonly #output: Writable;
	#behind = false;

	constructor(output: Writable) {
		this.#output = output;
	}

	write(event: ServerEvent): void {
		if (this.#output.destroyed) {
			return;
		}

		if (!this.#output.write(`${JSON.stringify(event)}\n`) && !this.#behind) {
			this.#behind = true;
			this.onPressure(true);
			this.#output.once('drain', () => {
				this.#behind = false;
				this.onPressure(false);
			});
		}
	}
}
