import type {Conversation, GapLine, Line, MessageLine} from './types.js';

/** Where an ordered line sits: messages at their seq, a gap just after its `after`. */
export function position(line: MessageLine | GapLine): number {
	return line.kind === 'message' ? line.seq : line.after + 0.5;
}

export function compareOrder(line: MessageLine | GapLine, epoch: number, at: number): number {
	return line.epoch - epoch || position(line) - at;
}

export function isOrdered(line: Line): line is MessageLine | GapLine {
	return line.kind === 'message' || line.kind === 'gap';
}

/**
Where a line at (epoch, at) goes: just before the first ordered line after it (so info lines stay
where they were shown), or at the end. Scans from the end: live messages are appended in O(1).
*/
export function findSlot(lines: readonly Line[], epoch: number, at: number, msgid?: string): {index: number; duplicate: boolean; collision: boolean} {
	let index = lines.length;
	for (let cursor = lines.length - 1; cursor >= 0; cursor--) {
		const other = lines[cursor]!;
		if (!isOrdered(other)) {
			continue;
		}

		if (msgid !== undefined && other.kind === 'message' && other.msgid === msgid) {
			return {index: cursor, duplicate: true, collision: false};
		}

		const order = compareOrder(other, epoch, at);
		if (order > 0) {
			index = cursor;
			continue;
		}

		return {index, duplicate: false, collision: order === 0 && other.kind === 'message'};
	}

	return {index, duplicate: false, collision: false};
}

/** The oldest message of the current epoch, the one a "before" page continues from. */
export function oldestSeq(conversation: Pick<Conversation, 'lines' | 'epoch'>): number | undefined {
	for (const line of conversation.lines) {
		if (line.kind === 'message' && line.epoch === conversation.epoch) {
			return line.seq;
		}
	}

	return undefined;
}
