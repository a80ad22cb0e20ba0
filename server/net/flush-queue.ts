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
