import {Buffer} from 'node:buffer';
import {magic, tokenBytes} from '../token.js';
import type {DeliveryCounter} from './counter.js';

const magicFirst = magic[0]!;
const magicSecond = magic[1]!;
const magicThird = magic[2]!;

/**
Finds message tokens in one connection's raw byte stream, whatever the chunking: a token (or
its magic) cut by a chunk boundary is carried over to the next chunk. Nothing else is parsed.
*/
export class TokenScanner {
	readonly #receiver: number;
	readonly #counter: DeliveryCounter;
	#carry: Buffer | undefined;

	constructor(receiver: number, counter: DeliveryCounter) {
		this.#receiver = receiver;
		this.#counter = counter;
	}

	/** `chunk` may be a shared read buffer: whatever must outlive this call is copied. */
	push(chunk: Buffer, nowMicros: number): void {
		const counter = this.#counter;
		counter.bytesReceived += chunk.length;
		let bytes = chunk;
		if (this.#carry) {
			bytes = Buffer.concat([this.#carry, chunk]);
			this.#carry = undefined;
		}

		// Search for the magic's first byte alone: a one-byte indexOf is memchr, several times faster
		// than a multi-byte search, and `~` is rare in the server's output (names cannot hold it).
		let at = bytes.indexOf(magicFirst);
		while (at !== -1) {
			if (at + tokenBytes > bytes.length) {
				this.#carry = Buffer.from(bytes.subarray(at));
				return;
			}

			if (bytes[at + 1] === magicSecond && bytes[at + 2] === magicThird) {
				counter.onToken(this.#receiver, bytes, at, nowMicros);
				at = bytes.indexOf(magicFirst, at + tokenBytes);
			} else {
				at = bytes.indexOf(magicFirst, at + 1);
			}
		}

		const {length} = bytes;
		if (bytes[length - 1] === magicFirst) {
			this.#carry = Buffer.from(bytes.subarray(length - 1));
		} else if (length >= 2 && bytes[length - 2] === magicFirst && bytes[length - 1] === magicSecond) {
			this.#carry = Buffer.from(bytes.subarray(length - 2));
		}
	}
}
