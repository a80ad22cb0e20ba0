import {describe, expect, it} from 'vitest';
import {addResumePoints, helloLines, MAX_LINE_BYTES, parseClientRequest, type ResumePoints} from '../../source/protocol/index.js';

const fields = {protocol: 2, client: 'test', presence: true};

function manyPoints(count: number): ResumePoints {
	return Object.fromEntries(Array.from({length: count}, (_, index) => [`#a-long-group-name-number-${String(index).padStart(4, '0')}`, 100_000 + index]));
}

describe('resume points over several hello lines', () => {
	it('sends one hello when the points fit, and none at all when there are none', () => {
		expect(helloLines(fields, {'#dev': 41, '@bob': 7, '*': 0})).toEqual(['{"type":"hello","protocol":2,"client":"test","presence":true,"resume":{"#dev":41,"@bob":7,"*":0}}\n']);
		expect(helloLines(fields, undefined)).toEqual(['{"type":"hello","protocol":2,"client":"test","presence":true}\n']);
		expect(helloLines(fields, {})).toEqual(['{"type":"hello","protocol":2,"client":"test","presence":true}\n']);
	});

	it('splits 1000 long-named points into lines within the line limit that parse back to every point', () => {
		const points = manyPoints(1000);
		const lines = helloLines(fields, points);
		expect(lines.length).toBeGreaterThan(4);
		let sum: ResumePoints | string | undefined;
		for (const line of lines) {
			expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
			const parsed = parseClientRequest(line.trimEnd());
			expect(parsed.ok).toBe(true);
			const request = parsed.ok ? parsed.request : undefined;
			expect(request).toMatchObject({type: 'hello', ...fields});
			sum = addResumePoints(typeof sum === 'string' ? undefined : sum, request?.type === 'hello' ? request.resume ?? {} : {});
		}

		expect(sum).toEqual(points);
	});

	it('adds points up, keeping the higher seq of a conversation named twice, and refuses more than 1000 in all', () => {
		expect(addResumePoints(undefined, {'#a': 3})).toEqual({'#a': 3});
		expect(addResumePoints({'#a': 3, '@bob': 9}, {'#a': 1, '*': 4})).toEqual({'#a': 3, '@bob': 9, '*': 4});
		expect(addResumePoints({'#a': 3}, {'#a': 8})).toEqual({'#a': 8});
		const thousand = manyPoints(1000);
		expect(addResumePoints(thousand, {'#a-long-group-name-number-0000': 1})).toEqual(thousand);
		expect(addResumePoints(thousand, {'#one-too-many': 1})).toBe('"resume" may name at most 1000 conversations, counting every hello');
	});
});
