import {randomFillSync} from 'node:crypto';
import {Buffer} from 'node:buffer';

const alphabetCodes = Buffer.from('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 'latin1');

/**
ULIDs (26 characters, Crockford base 32: 48 bits of milliseconds, 80 random bits), monotonic within
one process: inside one millisecond the random part counts up, so ids sort in the order they were
made. Random bytes come from a pool refilled 4 KiB at a time: one syscall per ~400 ids. The id's
characters are kept in a buffer and change in place, so each id costs one string and no garbage.
*/
export class MsgidFactory {
	readonly #now: () => number;
	readonly #pool = Buffer.alloc(4096);
	#poolOffset = 4096;
	#lastTime = -1;
	/** The 80 random bits as 16 base-32 digits (0..31), least significant last. */
	readonly #random = new Uint8Array(16);
	/** The id's 26 characters: 10 of time, then the 16 of `#random`. */
	readonly #text = Buffer.alloc(26);

	constructor(now: () => number = Date.now) {
		this.#now = now;
	}

	next(): string {
		const time = this.#now();
		if (time > this.#lastTime) {
			this.#lastTime = time;
			this.#writeTime(time);
			this.#fillRandom();
		} else {
			this.#increment();
		}

		return this.#text.toString('latin1', 0, 26);
	}

	#writeTime(time: number): void {
		let remaining = time;
		for (let index = 9; index >= 0; index--) {
			this.#text[index] = alphabetCodes[remaining % 32]!;
			remaining = Math.floor(remaining / 32);
		}
	}

	#fillRandom(): void {
		if (this.#poolOffset + 16 > this.#pool.length) {
			randomFillSync(this.#pool);
			this.#poolOffset = 0;
		}

		for (let index = 0; index < 16; index++) {
			// The top digit keeps a bit free, so counting up within a millisecond cannot overflow.
			const digit = this.#pool[this.#poolOffset + index]! & (index === 0 ? 15 : 31);
			this.#random[index] = digit;
			this.#text[10 + index] = alphabetCodes[digit]!;
		}

		this.#poolOffset += 16;
	}

	#increment(): void {
		for (let index = 15; index >= 0; index--) {
			const digit = this.#random[index]!;
			if (digit < 31) {
				this.#random[index] = digit + 1;
				this.#text[10 + index] = alphabetCodes[digit + 1]!;
				return;
			}

			this.#random[index] = 0;
			this.#text[10 + index] = alphabetCodes[0]!;
		}
	}
}
