import type {Draft} from './chat-draft.js';
import type {ChatState, ConversationKey} from './types.js';

/** My own message, sent from here: read, unless others' unread messages come before it. */
export function markSent(draft: Draft, key: ConversationKey, seq: number): void {
	const work = draft.work(key);
	if (work.readSeq === seq - 1) {
		work.readSeq = seq;
	}
}

/** The read marker moved (here, in another session, or by /read). */
export function markRead(draft: Draft, key: ConversationKey, seq: number): void {
	if (!draft.has(key)) {
		return;
	}

	const work = draft.work(key);
	work.markedSeq = Math.max(work.markedSeq, seq);
	work.readSeq = Math.max(work.readSeq, seq);
}

/**
The client marks read what it shows: the newest message of the open conversation at or above
the bottom of the view moves `readSeq` (never back). The screen sends it on to the server.
*/
export function markShown(state: ChatState): ChatState {
	const conversation = state.conversations[state.active];
	if (!conversation) {
		return state;
	}

	let seq: number | undefined;
	for (let index = conversation.lines.length - 1 - conversation.scroll; index >= 0; index--) {
		const line = conversation.lines[index]!;
		if (line.kind === 'message') {
			seq = line.epoch === conversation.epoch ? line.seq : undefined;
			break;
		}
	}

	if (seq === undefined || seq <= conversation.readSeq) {
		return state;
	}

	const unread = Math.max(0, conversation.lastSeq - seq);
	return {
		...state,
		conversations: {...state.conversations, [state.active]: {...conversation, readSeq: seq, unread, mentions: unread === 0 ? 0 : conversation.mentions}},
	};
}
