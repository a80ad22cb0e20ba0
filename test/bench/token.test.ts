import {Buffer} from 'node:buffer';
import {describe, expect, it} from 'vitest';
import {decodeToken, encodeToken, magic, messageBytes, tokenBytes} from '../../bench/token.js';

describe('bench message token', () => {
	it('is exactly 64 ASCII bytes that decode back to sender, sequence and send time', () => {
		const text = encodeToken(4321, 9_876_543_210, 1_234_567_890_123);
		expect(Buffer.byteLength(text)).toBe(messageBytes);
		expect(text).toMatch(/^[\u0021-\u007E]+$/);
		expect(decodeToken(Buffer.from(text), 0)).toEqual({sender: 4321, sequence: 9_876_543_210, sentMicros: 1_234_567_890_123});
	});

	it('is found inside a server event line by its magic bytes', () => {
		const line = Buffer.from(`{"type":"group_msg","id":7,"from":"b3","group":"bench","text":"${encodeToken(3, 12, 5000.4)}"}\n`);
		const at = line.indexOf(magic);
		expect(at).toBeGreaterThan(0);
		expect(at + tokenBytes).toBeLessThan(line.length);
		expect(decodeToken(line, at)).toEqual({sender: 3, sequence: 12, sentMicros: 5000});
	});
});
