import type {ChatMessage} from '../../protocol/index.js';
import type {Draft, HistoryCommand} from './chat-draft.js';
import {oldestSeq} from './line-order.js';
import type {Conversation, ConversationKey} from './types.js';

/** Messages per /history page the view asks for. */
export const historyPageSize = 100;

/** Ask for the page before the oldest message held. */
export function loadOlder(draft: Draft, key: ConversationKey): boolean {
	const work = draft.work(key);
	const before = oldestSeq(work);
	if (work.history !== 'loaded' || !work.hasOlder || work.loadingOlder || before === undefined) {
		return false;
	}

	work.loadingOlder = true;
	draft.request(key, {type: 'history', conversation: key, before, limit: historyPageSize});
	return true;
}

/** Ask for the newest part of a gap. */
export function loadGap(draft: Draft, key: ConversationKey, gapKey: number): boolean {
	const work = draft.work(key);
	const lines = draft.ownLines(work);
	const index = lines.findIndex(line => line.key === gapKey);
	const gap = lines[index];
	if (gap?.kind !== 'gap' || gap.loading) {
		return false;
	}

	lines[index] = {...gap, loading: true};
	const limit = Math.max(1, Math.min(historyPageSize, gap.before - gap.after - 1));
	draft.request(key, {type: 'history', conversation: key, before: gap.before, limit});
	return true;
}

/** A history page answered: fill the gap it was for, or note whether there is more above. */
export function historyAnswered(draft: Draft, key: ConversationKey, command: HistoryCommand, messages: readonly ChatMessage[], more: boolean): void {
	const work = draft.work(key);
	const {before} = command;
	if (command.after !== undefined) {
		return;
	}

	if (before === undefined) {
		work.history = 'loaded';
		work.hasOlder = more && (oldestSeq(work) ?? 0) > 1;
		return;
	}

	const lines = draft.ownLines(work);
	const gapIndex = lines.findIndex(line => line.kind === 'gap' && line.epoch === work.epoch && line.before === before);
	const gap = lines[gapIndex];
	if (gap?.kind === 'gap') {
		const oldest = messages.length === 0 ? undefined : Math.min(...messages.map(message => message.seq));
		if (oldest === undefined || !more || oldest <= gap.after + 1) {
			lines.splice(gapIndex, 1);
		} else {
			lines[gapIndex] = {...gap, before: oldest, loading: false};
		}

		return;
	}

	work.loadingOlder = false;
	work.hasOlder = more && (oldestSeq(work) ?? 0) > 1;
}

/** A history request that failed: `retry` leaves it to be asked again, otherwise give up on it. */
export function historyFailed(draft: Draft, key: ConversationKey, command: HistoryCommand, retry: boolean): void {
	if (!draft.has(key)) {
		return;
	}

	const work = draft.work(key);
	if (command.before === undefined) {
		if (work.history === 'loading') {
			work.history = retry ? 'unloaded' : 'loaded';
		}

		return;
	}

	const lines = draft.ownLines(work);
	const gapIndex = lines.findIndex(line => line.kind === 'gap' && line.before === command.before);
	const gap = lines[gapIndex];
	if (gap?.kind === 'gap') {
		lines[gapIndex] = {...gap, loading: false};
		return;
	}

	work.loadingOlder = false;
	if (!retry) {
		work.hasOlder = false;
	}
}

export function scrolled(conversation: Conversation, to: 'page_up' | 'page_down' | 'top' | 'bottom', pageSize: number, topLines: number): number {
	// The top stops with the oldest line at the top of the view, not alone at its bottom.
	const max = Math.max(0, conversation.lines.length - topLines);
	const step = Math.max(1, pageSize);
	return to === 'page_up'
		? Math.min(max, conversation.scroll + step)
		: to === 'page_down'
			? Math.max(0, conversation.scroll - step)
			: to === 'top' ? max : 0;
}

/** After a move up: a gap in view is filled, or the page above the oldest line is fetched when the top is in view. */
export function fetchInView(draft: Draft, rows: number): void {
	const conversation = draft.view(draft.active)!;
	const end = conversation.lines.length - conversation.scroll;
	const start = Math.max(0, end - rows);
	for (let index = end - 1; index >= start; index--) {
		const line = conversation.lines[index];
		if (line?.kind === 'gap' && line.epoch === conversation.epoch && !line.loading) {
			loadGap(draft, conversation.key, line.key);
			return;
		}
	}

	if (start === 0) {
		if (conversation.history === 'unloaded') {
			draft.loadFirstPage(conversation.key);
		} else {
			loadOlder(draft, conversation.key);
		}
	}
}
