import {describe, expect, it} from 'vitest';
import {MsgidFactory} from '../../../server/core/msgid.js';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function decodeTime(id: string): number {
	let time = 0;
	for (const character of id.slice(0, 10)) {
		time = (time * 32) + alphabet.indexOf(character);
	}

	return time;
}

describe('MsgidFactory', () => {
	it('makes 26-character Crockford ULIDs whose first 10 characters are the millisecond', () => {
		const at = Date.UTC(2026, 10, 27, 21, 0, 0, 123);
		const id = new MsgidFactory(() => at).next();
		expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
		expect(decodeTime(id)).toBe(at);
	});

	it('ids made in one millisecond and across milliseconds are unique and sort in the order they were made', () => {
		let now = 1_800_000_000_000;
		const factory = new MsgidFactory(() => now);
		const ids: string[] = [];
		for (let index = 0; index < 20_000; index++) {
			if (index % 5000 === 4999) {
				now++;
			}

			ids.push(factory.next());
		}

		expect(new Set(ids).size).toBe(ids.length);
		expect([...ids].sort()).toEqual(ids);
		expect(decodeTime(ids.at(-1)!)).toBe(now);
	});

	it('a clock that steps back keeps the ids rising (the last millisecond counts on)', () => {
		let now = 1_800_000_000_500;
		const factory = new MsgidFactory(() => now);
		const first = factory.next();
		now -= 400;
		const second = factory.next();
		expect(second > first).toBe(true);
		expect(decodeTime(second)).toBe(1_800_000_000_500);
	});
});
