import {Buffer} from 'node:buffer';

/**
Output is flushed once per event-loop turn, after every socket that had input in that turn was
read: a recipient of messages from several senders then gets them all in one syscall. With a
flush per `process.nextTick` it got one syscall per sender's chunk, the main cost of fan-out.
*/
const waiting: Array<() => void> = [];
let scheduled = false;

function flushAll(): void {
	scheduled = false;
	// A flush may write to other connections (a dropped reader's presence event): they join this pass.
	for (let index = 0; index < waiting.length; index++) {
		waiting[index]!();
	}

	waiting.length = 0;
}

/** Run `flush` at the end of this event-loop turn (setImmediate runs after the turn's I/O callbacks). */
export function scheduleFlush(flush: () => void): void {
	waiting.push(flush);
	if (!scheduled) {
		scheduled = true;
		setImmediate(flushAll);
	}
}

let lastChunks: Buffer[] = [];
let lastJoined = Buffer.alloc(0);

/**
A connection's output for this turn as one Buffer, so it leaves in one plain write (no writev,
no stream bookkeeping per chunk). The members of a group get the same events in the same order
in a turn, so a list identical (chunk for chunk) to the one joined just before reuses its Buffer:
one copy per turn for the whole group, not one per member. `chunks` stays the caller's.
*/
export function joinChunks(chunks: readonly Buffer[], totalBytes: number): Buffer {
	if (chunks.length === 1) {
		return chunks[0]!;
	}

	if (chunks.length === lastChunks.length) {
		let same = true;
		for (let index = 0; index < chunks.length; index++) {
			if (chunks[index] !== lastChunks[index]) {
				same = false;
				break;
			}
		}

		if (same) {
			return lastJoined;
		}
	}

	lastChunks = chunks.slice();
	lastJoined = Buffer.concat(chunks, totalBytes);
	return lastJoined;
}
