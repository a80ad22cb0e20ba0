import {Buffer} from 'node:buffer';
import {describe, expect, test} from 'vitest';
import {HARD_LINE_CAP_BYTES, LineFramer, MAX_LINE_BYTES, type Frame, type FramerLimits} from '../../source/protocol/index.js';

const small: FramerLimits = {maxLineBytes: 10, hardCapBytes: 40};

/** Feed the chunks, then end the stream; every frame in order. */
function frame(chunks: ReadonlyArray<string | Uint8Array>, limits?: Partial<FramerLimits>): Frame[] {
	const framer = new LineFramer(limits);
	const frames = chunks.flatMap(chunk => framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
	return [...frames, ...framer.end()];
}

/** The same bytes cut at every position, and byte by byte: framing must not depend on chunking. */
function everySplit(bytes: Buffer): Buffer[][] {
	const splits: Buffer[][] = [[bytes], [...bytes].map(byte => Buffer.from([byte]))];
	for (let at = 1; at < bytes.length; at++) {
		splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
	}

	return splits;
}

const line = (text: string): Frame => ({kind: 'line', text});

describe('LineFramer', () => {
	test('defaults to the protocol limits', () => {
		const fits = frame([`${'a'.repeat(MAX_LINE_BYTES)}\n`]);
		expect(fits).toEqual([line('a'.repeat(MAX_LINE_BYTES))]);
		expect(frame([`${'a'.repeat(MAX_LINE_BYTES + 1)}\n`])).toEqual([{kind: 'too_long', bytes: MAX_LINE_BYTES + 1}]);
		const framer = new LineFramer();
		expect(framer.push(Buffer.alloc(HARD_LINE_CAP_BYTES, 0x61))).toEqual([]);
		expect(framer.push(Buffer.from('a'))).toEqual([{kind: 'overflow', bytes: HARD_LINE_CAP_BYTES + 1}]);
	});

	test('splits on \\n and on \\r\\n', () => {
		expect(frame(['one\ntwo\r\nthree\n'])).toEqual([line('one'), line('two'), line('three')]);
	});

	test('keeps a lone \\r inside a line and drops only the one before \\n', () => {
		expect(frame(['a\rb\r\r\n'])).toEqual([line('a\rb\r')]);
	});

	test('gives empty lines as empty strings', () => {
		expect(frame(['\n\r\n\n'])).toEqual([line(''), line(''), line('')]);
	});

	test('reassembles a line whatever the chunking, including a split between \\r and \\n', () => {
		const bytes = Buffer.from('/msg bob hi\r\n/users\n\n/broadcast  spaced  \r\n');
		const expected = [line('/msg bob hi'), line('/users'), line(''), line('/broadcast  spaced  ')];
		for (const chunks of everySplit(bytes)) {
			expect(frame(chunks)).toEqual(expected);
		}
	});

	test('reassembles a multi-byte UTF-8 character split across chunks', () => {
		const text = 'héllo 🎉 wörld ✓';
		const bytes = Buffer.from(`${text}\n`);
		for (const chunks of everySplit(bytes)) {
			expect(frame(chunks)).toEqual([line(text)]);
		}
	});

	test('accepts Uint8Array chunks that are views into a larger buffer', () => {
		const backing = new Uint8Array(Buffer.from('xxhi\nyy'));
		expect(frame([backing.subarray(2, 5)])).toEqual([line('hi')]);
	});

	test('copies what it keeps, so a reused chunk buffer does not corrupt a pending line', () => {
		const framer = new LineFramer(small);
		const chunk = Buffer.from('abc');
		expect(framer.push(chunk)).toEqual([]);
		chunk.write('XYZ');
		expect(framer.push(Buffer.from('\n'))).toEqual([line('abc')]);
	});

	test('a line of exactly the limit fits, also with \\r\\n; one byte more is too long', () => {
		expect(frame([`${'a'.repeat(10)}\n`], small)).toEqual([line('a'.repeat(10))]);
		expect(frame([`${'a'.repeat(10)}\r\n`], small)).toEqual([line('a'.repeat(10))]);
		expect(frame([`${'a'.repeat(10)}\r`, '\n'], small)).toEqual([line('a'.repeat(10))]);
		expect(frame([`${'a'.repeat(11)}\n`], small)).toEqual([{kind: 'too_long', bytes: 11}]);
	});

	test('an over-long line gives too_long, and the next line is read fine', () => {
		for (const chunks of everySplit(Buffer.from(`${'x'.repeat(25)}\nnext\n`))) {
			expect(frame(chunks, small)).toEqual([{kind: 'too_long', bytes: 25}, line('next')]);
		}
	});

	test('invalid UTF-8 gives invalid_utf8 for that line only', () => {
		const bad = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x61, 0xFF, 0xFE, 0x0A]), Buffer.from('after\n')]);
		expect(frame([bad])).toEqual([line('ok'), {kind: 'invalid_utf8'}, line('after')]);
		// A truncated multi-byte sequence (the first two bytes of '€') ended by a newline.
		expect(frame([Buffer.from([0xE2, 0x82, 0x0A])])).toEqual([{kind: 'invalid_utf8'}]);
		// An overlong encoding of '/' and an encoded surrogate are not valid UTF-8 either.
		expect(frame([Buffer.from([0xC0, 0xAF, 0x0A])])).toEqual([{kind: 'invalid_utf8'}]);
		expect(frame([Buffer.from([0xED, 0xA0, 0x80, 0x0A])])).toEqual([{kind: 'invalid_utf8'}]);
	});

	test('NUL and other binary bytes in valid UTF-8 pass through as a line (sanitizing is not its job)', () => {
		expect(frame([Buffer.from([0x00, 0x01, 0x1B, 0x0A])])).toEqual([line('\u0000\u0001\u001B')]);
	});

	test('end() gives an unterminated last line, with a trailing \\r dropped', () => {
		expect(frame(['one\ntwo'])).toEqual([line('one'), line('two')]);
		expect(frame(['tail\r'])).toEqual([line('tail')]);
		expect(frame([`${'a'.repeat(12)}`], small)).toEqual([{kind: 'too_long', bytes: 12}]);
	});

	test('end() gives nothing when the stream ended on a newline or was empty', () => {
		expect(frame(['one\n'])).toEqual([line('one')]);
		expect(frame([])).toEqual([]);
		expect(frame([''])).toEqual([]);
	});

	test('more bytes than the hard cap without a newline is a fatal overflow; nothing follows', () => {
		const framer = new LineFramer(small);
		expect(framer.push(Buffer.from('a'.repeat(40)))).toEqual([]);
		expect(framer.push(Buffer.from('a'))).toEqual([{kind: 'overflow', bytes: 41}]);
		expect(framer.bufferedBytes).toBe(0);
		expect(framer.push(Buffer.from('\nlater\n'))).toEqual([]);
		expect(framer.end()).toEqual([]);
	});

	test('overflow does not depend on whether the newline arrives in the same chunk', () => {
		// 50 bytes with no newline is past the hard cap of 40, however it is cut.
		// (`bytes` says how much had arrived when it stopped, which does depend on the cut.)
		for (const chunks of everySplit(Buffer.from(`ok\n${'z'.repeat(50)}\nlater\n`))) {
			const frames = frame(chunks, small);
			expect(frames.map(each => each.kind)).toEqual(['line', 'overflow']);
			const overflow = frames[1];
			expect(overflow?.kind === 'overflow' && overflow.bytes > small.hardCapBytes).toBe(true);
		}
	});

	test('a line up to the hard cap is too_long, not fatal, however it is cut', () => {
		for (const chunks of everySplit(Buffer.from(`${'z'.repeat(40)}\nlater\n`))) {
			expect(frame(chunks, small)).toEqual([{kind: 'too_long', bytes: 40}, line('later')]);
		}
	});

	test('memory stays bounded while a huge line streams in', () => {
		const limits = {maxLineBytes: 1024, hardCapBytes: 1024 * 1024};
		const framer = new LineFramer(limits);
		const chunk = Buffer.alloc(1000, 0x62);
		let maxBuffered = 0;
		for (let sent = 0; sent + chunk.length <= limits.hardCapBytes; sent += chunk.length) {
			expect(framer.push(chunk)).toEqual([]);
			maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
		}

		expect(maxBuffered).toBe(limits.maxLineBytes + 1);
		expect(framer.push(Buffer.from('\nfine\n'))).toEqual([{kind: 'too_long', bytes: 1_048_000}, line('fine')]);
		expect(framer.bufferedBytes).toBe(0);
	});

	test('a line sent one byte per segment is kept in one buffer: memory held is at most the line limit, not a buffer per segment', () => {
		const framers: LineFramer[] = [];
		const byte = Buffer.from('x');
		// 100 connections, each with an unfinished line of MAX_LINE_BYTES arriving one byte per TCP segment.
		for (let connection = 0; connection < 100; connection++) {
			const framer = new LineFramer();
			let frames = 0;
			for (let sent = 0; sent < MAX_LINE_BYTES; sent++) {
				frames += framer.push(byte).length;
			}

			expect(frames).toBe(0);
			framers.push(framer);
		}

		// The old framer held one Buffer per segment: 8192 of them, ~1 MB of heap and buffers per connection.
		const held = framers.reduce((sum, framer) => sum + framer.heldBytes, 0);
		expect(held / framers.length).toBeLessThanOrEqual(MAX_LINE_BYTES + 1);
		expect(framers.every(framer => framer.bufferedBytes === MAX_LINE_BYTES)).toBe(true);
		expect(framers[0]!.push(Buffer.from('\n'))).toEqual([line('x'.repeat(MAX_LINE_BYTES))]);
		// A big line's buffer is let go once the line is done.
		expect(framers[0]!.heldBytes).toBe(0);
	});

	test('a short line\'s buffer is kept for the next line, and still frames every split the same', () => {
		const framer = new LineFramer(small);
		expect(framer.push(Buffer.from('ab'))).toEqual([]);
		const held = framer.heldBytes;
		expect(held).toBeGreaterThan(0);
		expect(held).toBeLessThanOrEqual(small.maxLineBytes + 1);
		expect(framer.push(Buffer.from('c\nde\n'))).toEqual([line('abc'), line('de')]);
		expect(framer.heldBytes).toBe(held);
	});

	test('bufferedBytes counts the unfinished line and drops to zero when it ends', () => {
		const framer = new LineFramer(small);
		framer.push(Buffer.from('abc'));
		expect(framer.bufferedBytes).toBe(3);
		framer.push(Buffer.from('\n'));
		expect(framer.bufferedBytes).toBe(0);
	});
});
