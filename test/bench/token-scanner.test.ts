import {Buffer} from 'node:buffer';
import {describe, expect, it} from 'vitest';
import {DeliveryCounter} from '../../bench/load/counter.js';
import {TokenScanner} from '../../bench/load/token-scanner.js';
import {encodeToken} from '../../bench/token.js';

const stream = Buffer.from(Array.from({length: 50}, (_, sequence) => `{"type":"group_msg","id":${sequence},"from":"b1","group":"bench","text":"${encodeToken(1, sequence, 100)}"}\n{"type":"presence","user":"x~y","online":true}\n`).join(''));

describe('TokenScanner', () => {
	it('finds every token in order whatever the chunk size, tokens and magic cut by boundaries included', () => {
		for (const chunkSize of [1, 2, 3, 7, 31, 32, 33, 64, 100, 4096]) {
			const counter = new DeliveryCounter(2);
			const scanner = new TokenScanner(0, counter);
			for (let start = 0; start < stream.length; start += chunkSize) {
				scanner.push(stream.subarray(start, start + chunkSize), 200);
			}

			expect({chunkSize, delivered: counter.delivered, duplicates: counter.duplicates, outOfOrder: counter.outOfOrder}).toEqual({chunkSize, delivered: 50, duplicates: 0, outOfOrder: 0});
			expect(counter.bytesReceived).toBe(stream.length);
		}
	});

	it('copies what it carries, so a reused read buffer cannot corrupt a split token', () => {
		const counter = new DeliveryCounter(2);
		const scanner = new TokenScanner(0, counter);
		const shared = Buffer.alloc(stream.length);
		const cut = stream.indexOf('~nb') + 10;
		stream.copy(shared, 0, 0, cut);
		scanner.push(shared.subarray(0, cut), 200);
		shared.fill(0x30);
		stream.copy(shared, 0, cut);
		scanner.push(shared.subarray(0, stream.length - cut), 200);
		expect(counter.delivered).toBe(50);
		expect(counter.outOfOrder).toBe(0);
	});
});
