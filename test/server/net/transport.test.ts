import {PassThrough} from 'node:stream';
import {setImmediate as nextTurn} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import type {Frame} from '../../../source/protocol/index.js';
import {Transport, type TransportHandler} from '../../../server/net/transport.js';

const limits = {maxLineBytes: 4096, hardCapBytes: 65_536, maxOutboundBytes: 1 << 20, closeGraceMs: 100};

/** A transport over an in-process stream, recording each line with the event-loop turn it ran in. */
function recordingTransport() {
	const stream = new PassThrough();
	const transport = new Transport(stream, limits);
	const seen: Array<{text: string; turn: number}> = [];
	let turn = 0;
	const handler: TransportHandler = {
		onFrame(frame: Frame) {
			if (frame.kind === 'line') {
				seen.push({text: frame.text, turn});
			}
		},
		onInputDone() {},
		onSlowReader() {},
		onClose() {},
		onFrameError(error) {
			throw error;
		},
	};
	transport.start(handler);
	return {
		stream,
		seen,
		async until(count: number) {
			while (seen.length < count && turn < 100) {
				turn++;
				// eslint-disable-next-line no-await-in-loop
				await nextTurn();
			}
		},
	};
}

describe('the transport', () => {
	it('runs a huge pipelined read over several turns, in order, losing nothing', async () => {
		const {stream, seen, until} = recordingTransport();
		const lines = Array.from({length: 3000}, (_, index) => `line ${index}`);
		stream.write(`${lines.join('\n')}\n`);
		await until(lines.length);
		expect(seen.map(entry => entry.text)).toEqual(lines);
		const perTurn = new Map<number, number>();
		for (const {turn} of seen) {
			perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
		}

		// Other connections get their share of each turn: no turn runs all of one client's backlog.
		expect(perTurn.size).toBeGreaterThanOrEqual(3);
		expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(1024);
	});
});
