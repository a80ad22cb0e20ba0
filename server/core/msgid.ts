import {randomFillSync} from 'node:crypto';
import {Buffer} from 'node:buffer';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
ULIDs (26 characters, Crockford base 32: 48 bits of milliseconds, 80 random bits), monotonic within
one process: inside one millisecond the random part counts up, so ids sort in the order they were
made. Random bytes come from a pool refilled 4 KiB at a time: one syscall per ~400 ids.
*/
export class MsgidFactory {
	readonly #now: () => number;
	readonly #pool = Buffer.alloc(4096);
	#poolOffset = 4096;
	#lastTime = -1;
	/** The 80 random bits as 16 base-32 digits (0..31), least significant last. */
	readonly #random = new Uint8Array(16);

	constructor(now: () => number = Date.now) {
		this.#now = now;
	}

	next(): string {
		const time = this.#now();
		if (time > this.#lastTime) {
			this.#lastTime = time;
			this.#fillRandom();
		} else {
			this.#increment();
		}

		let text = '';
		let remaining = this.#lastTime;
		for (let index = 0; index < 10; index++) {
			text = alphabet[remaining % 32]! + text;
			remaining = Math.floor(remaining / 32);
		}

		for (const digit of this.#random) {
			text += alphabet[digit]!;
		}

		return text;
	}

	#fillRandom(): void {
		if (this.#poolOffset + 16 > this.#pool.length) {
			randomFillSync(this.#pool);
			this.#poolOffset = 0;
		}

		for (let index = 0; index < 16; index++) {
			this.#random[index] = this.#pool[this.#poolOffset + index]! & 31;
		}

		// The top digit keeps a bit free, so counting up within a millisecond cannot overflow.
		this.#random[0]! &= 15;
		this.#poolOffset += 16;
	}

	#increment(): void {
		for (let index = 15; index >= 0; index--) {
			if (this.#random[index]! < 31) {
				this.#random[index]!++;
				return;
			}

			this.#random[index] = 0;
		}
	}
}
