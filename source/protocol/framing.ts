import {Buffer} from 'node:buffer';
import {HARD_LINE_CAP_BYTES, MAX_LINE_BYTES} from './limits.js';

export type Frame =
	| {readonly kind: 'line'; readonly text: string}
	/** A line longer than the limit ended; its bytes were dropped. */
	| {readonly kind: 'too_long'; readonly bytes: number}
	/** A line that is not valid UTF-8 ended; its bytes were dropped. */
	| {readonly kind: 'invalid_utf8'}
	/** More than the hard cap arrived with no newline: the peer is not speaking the protocol. Fatal. */
	| {readonly kind: 'overflow'; readonly bytes: number};

export type FramerLimits = {readonly maxLineBytes: number; readonly hardCapBytes: number};

const newline = 0x0A;
const carriageReturn = 0x0D;

/**
Splits a byte stream into newline-terminated lines (`\n` or `\r\n`), whatever the chunking.
Memory stays bounded: bytes of a line past `maxLineBytes` are counted, not kept.
*/
export class LineFramer {
	readonly #limits: FramerLimits;
	readonly #decoder = new TextDecoder('utf-8', {fatal: true});
	#pending: Buffer[] = [];
	#pendingBytes = 0;
	/** Bytes of the current line seen so far, kept or not. */
	#lineBytes = 0;
	#failed = false;

	constructor(limits: Partial<FramerLimits> = {}) {
		this.#limits = {maxLineBytes: limits.maxLineBytes ?? MAX_LINE_BYTES, hardCapBytes: limits.hardCapBytes ?? HARD_LINE_CAP_BYTES};
	}

	/** Bytes held for the unfinished line (bounded by maxLineBytes + 1). */
	get bufferedBytes(): number {
		return this.#pendingBytes;
	}

	push(chunk: Uint8Array): Frame[] {
		if (this.#failed) {
			return [];
		}

		const frames: Frame[] = [];
		const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		let start = 0;
		while (start < bytes.length) {
			const end = bytes.indexOf(newline, start);
			this.#keep(bytes.subarray(start, end === -1 ? bytes.length : end));
			// Checked whether or not the newline came in this chunk, so the outcome never depends on chunking.
			if (this.#lineBytes > this.#limits.hardCapBytes) {
				this.#failed = true;
				this.#pending = [];
				this.#pendingBytes = 0;
				frames.push({kind: 'overflow', bytes: this.#lineBytes});
				break;
			}

			if (end === -1) {
				break;
			}

			frames.push(this.#finishLine());
			start = end + 1;
		}

		return frames;
	}

	/** The stream ended: an unterminated last line still counts as a line. */
	end(): Frame[] {
		if (this.#failed || this.#lineBytes === 0) {
			return [];
		}

		return [this.#finishLine()];
	}

	#keep(part: Buffer): void {
		this.#lineBytes += part.length;
		// Keep one byte past the limit so a trailing \r can still be told apart from an over-long line.
		const room = this.#limits.maxLineBytes + 1 - this.#pendingBytes;
		if (room > 0 && part.length > 0) {
			const kept = part.length <= room ? part : part.subarray(0, room);
			// Copy: the socket may reuse the chunk's memory.
			this.#pending.push(Buffer.from(kept));
			this.#pendingBytes += kept.length;
		}
	}

	#finishLine(): Frame {
		let length = this.#lineBytes;
		const line = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
		this.#pending = [];
		this.#pendingBytes = 0;
		this.#lineBytes = 0;
		if (length > 0 && length <= line.length && line[length - 1] === carriageReturn) {
			length -= 1;
		}

		if (length > this.#limits.maxLineBytes) {
			return {kind: 'too_long', bytes: length};
		}

		try {
			return {kind: 'line', text: this.#decoder.decode(line.subarray(0, length))};
		} catch {
			return {kind: 'invalid_utf8'};
		}
	}
}
