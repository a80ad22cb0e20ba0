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
const empty = Buffer.alloc(0);
/** A line buffer this small is kept between lines; a bigger one is let go once its line is done. */
const keptCapacity = 1024;
const initialCapacity = 256;
const carriageReturn = 0x0D;
/** One decoder for every framer: each decode is whole (never `stream`), so it keeps no state between calls. */
const decoder = new TextDecoder('utf-8', {fatal: true});

/**
Splits a byte stream into newline-terminated lines (`\n` or `\r\n`), whatever the chunking.
Memory stays bounded: bytes of a line past `maxLineBytes` are counted, not kept.
*/
export class LineFramer {
	readonly #limits: FramerLimits;
	/** The unfinished line's kept bytes: one buffer, grown by doubling up to maxLineBytes + 1, never one per chunk. */
	#buffer: Buffer = empty;
	#pendingBytes = 0;
	/** Bytes of the current line seen so far, kept or not. */
	#lineBytes = 0;
	#failed = false;

	constructor(limits: Partial<FramerLimits> = {}) {
		const {maxLineBytes, hardCapBytes} = limits;
		// Limits given in full are kept as given: one object shared by every framer made with it.
		this.#limits = maxLineBytes !== undefined && hardCapBytes !== undefined ? limits as FramerLimits : {maxLineBytes: maxLineBytes ?? MAX_LINE_BYTES, hardCapBytes: hardCapBytes ?? HARD_LINE_CAP_BYTES};
	}

	/** Bytes held for the unfinished line (bounded by maxLineBytes + 1). */
	get bufferedBytes(): number {
		return this.#pendingBytes;
	}

	/** Memory held for line bytes, used or not: the line buffer's capacity (at most maxLineBytes + 1). */
	get heldBytes(): number {
		return this.#buffer.length;
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
			// A whole line with none of it held from earlier chunks is decoded where it lies: no copy, and
			// no line buffer at all for a connection whose lines arrive whole.
			const whole = end !== -1 && this.#lineBytes === 0;
			if (whole) {
				this.#lineBytes = end - start;
			} else {
				this.#keep(bytes.subarray(start, end === -1 ? bytes.length : end));
			}

			// Checked whether or not the newline came in this chunk, so the outcome never depends on chunking.
			if (this.#lineBytes > this.#limits.hardCapBytes) {
				this.#failed = true;
				this.#buffer = empty;
				this.#pendingBytes = 0;
				frames.push({kind: 'overflow', bytes: this.#lineBytes});
				break;
			}

			if (end === -1) {
				break;
			}

			frames.push(this.#finishLine(whole ? bytes.subarray(start, end) : undefined));
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
			const needed = this.#pendingBytes + kept.length;
			if (needed > this.#buffer.length) {
				this.#grow(needed);
			}

			// Copied: the socket may reuse the chunk's memory, and a chunk kept whole would pin all of it.
			kept.copy(this.#buffer, this.#pendingBytes);
			this.#pendingBytes = needed;
		}
	}

	#grow(needed: number): void {
		const most = this.#limits.maxLineBytes + 1;
		const capacity = Math.min(most, Math.max(needed, initialCapacity, this.#buffer.length * 2));
		// Its own memory, not a slice of Node's shared 8 KiB pool (which a small line would keep alive whole).
		const grown = Buffer.allocUnsafeSlow(capacity);
		this.#buffer.copy(grown, 0, 0, this.#pendingBytes);
		this.#buffer = grown;
	}

	/** Ends the current line: `whole` when all its bytes are in the chunk at hand, else the kept ones. */
	#finishLine(whole?: Buffer): Frame {
		let length = this.#lineBytes;
		const line = whole ?? this.#buffer.subarray(0, this.#pendingBytes);
		if (this.#buffer.length > keptCapacity) {
			this.#buffer = empty;
		}

		this.#pendingBytes = 0;
		this.#lineBytes = 0;
		// Past the limit + 1 only the kept bytes are known, so a trailing \r is not told apart (whole or not).
		if (length > 0 && length <= this.#limits.maxLineBytes + 1 && length <= line.length && line[length - 1] === carriageReturn) {
			length -= 1;
		}

		if (length > this.#limits.maxLineBytes) {
			return {kind: 'too_long', bytes: length};
		}

		try {
			return {kind: 'line', text: decoder.decode(line.subarray(0, length))};
		} catch {
			return {kind: 'invalid_utf8'};
		}
	}
}
