import type {ChatMessage} from '../../protocol/index.js';
import type {Draft, Work} from './chat-draft.js';
import {compareOrder, findSlot, isOrdered, position} from './line-order.js';
import {mentions} from './mentions.js';
import type {ConversationKey, GapLine, Line, MessageLine} from './types.js';

function messageLine(draft: Draft, work: Work, message: ChatMessage): MessageLine {
	const mine = message.from === draft.state.me;
	return {
		kind: 'message',
		key: draft.lineKey(),
		msgid: message.msgid,
		seq: message.seq,
		epoch: work.epoch,
		ts: message.ts,
		from: message.from,
		text: message.text,
		mine,
		mention: !mine && mentions(message.text, draft.state.me),
		action: message.action === true,
	};
}

function saw(work: Work, seq: number): void {
	work.newestSeq = Math.max(work.newestSeq, seq);
	work.lastSeq = Math.max(work.lastSeq, seq);
}

/** A message as it happens (an event, a reply to a send, a resumed one). */
export function addMessage(draft: Draft, key: ConversationKey, message: ChatMessage): void {
	const work = draft.work(key);
	let slot = findSlot(work.lines, work.epoch, message.seq, message.msgid);
	if (slot.duplicate) {
		return;
	}

	if (slot.collision) {
		// Another message already holds this seq: the server counts from 1 again.
		draft.reset(key, 'The server started this conversation over: what follows is new.');
		slot = {index: work.lines.length, duplicate: false, collision: false};
	}

	if (work.lastSeq === 0 && work.readSeq === 0 && work.newestSeq === 0 && work.history === 'unloaded') {
		// Nothing known about this conversation (just joined, a first DM): count unread from here.
		work.readSeq = message.seq - 1;
		work.markedSeq = work.readSeq;
	}

	const line = messageLine(draft, work, message);
	draft.ownLines(work).splice(slot.index, 0, line);
	saw(work, message.seq);
	if (line.mention && key !== draft.state.active && message.seq > work.readSeq) {
		work.mentions++;
	}

	if (!line.mine && (line.mention || work.kind === 'dm') && message.seq > work.readSeq) {
		const inView = key === draft.state.active;
		draft.state = {...draft.state, alerts: draft.state.alerts + 1, lastAlert: {conversation: key, from: message.from, text: message.text, mention: line.mention, inView}};
	}
}

/** Messages from /history (oldest first), merged in seq order without duplicates in one pass. */
export function mergeHistory(draft: Draft, key: ConversationKey, messages: readonly ChatMessage[]): void {
	if (messages.length === 0) {
		return;
	}

	const work = draft.work(key);
	const seen = new Set<string>();
	const incoming: MessageLine[] = [];
	for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
		if (!seen.has(message.msgid)) {
			seen.add(message.msgid);
			incoming.push(messageLine(draft, work, message));
			saw(work, message.seq);
		}
	}

	const merged: Line[] = [];
	let next = 0;
	for (const line of work.lines) {
		if (isOrdered(line)) {
			while (next < incoming.length && compareOrder(line, incoming[next]!.epoch, incoming[next]!.seq) > 0) {
				merged.push(incoming[next++]!);
			}

			while (line.kind === 'message' && next < incoming.length && compareOrder(line, incoming[next]!.epoch, incoming[next]!.seq) === 0) {
				if (incoming[next]!.msgid !== line.msgid) {
					merged.push(incoming[next]!);
				}

				next++;
			}
		}

		merged.push(line);
	}

	while (next < incoming.length) {
		merged.push(incoming[next++]!);
	}

	work.lines = merged;
	work.owned = true;
}

/** Messages after..before were not sent on resume: a marker the user can page from. */
export function addGap(draft: Draft, key: ConversationKey, after: number, before: number): void {
	if (before - after <= 1) {
		return;
	}

	const work = draft.work(key);
	const line: GapLine = {kind: 'gap', key: draft.lineKey(), epoch: work.epoch, after, before, loading: false};
	const slot = findSlot(work.lines, work.epoch, position(line));
	draft.ownLines(work).splice(slot.index, 0, line);
	work.lastSeq = Math.max(work.lastSeq, before - 1);
}
