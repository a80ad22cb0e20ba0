import type {ConversationSummary, ServerEvent} from '../../protocol/index.js';
import type {Draft} from './chat-draft.js';
import {applyMembership, applyPresence} from './group-members.js';
import {keyOf, learnConversation, messageConversation} from './known-names.js';
import {addGap, addMessage} from './message-lines.js';
import {markRead} from './read-markers.js';

/** After (re)login: the user's conversations with where they end and where the user stopped reading. */
function applySummaries(draft: Draft, summaries: readonly ConversationSummary[]): void {
	for (const summary of summaries) {
		const key = keyOf(summary.conversation);
		if (key === undefined) {
			continue;
		}

		learnConversation(draft, key);
		if (draft.work(key).newestSeq > summary.last_seq) {
			draft.reset(key, 'The server no longer has the messages above: what follows is new.');
		}

		const work = draft.work(key);
		work.lastSeq = Math.max(work.lastSeq, summary.last_seq);
		work.markedSeq = summary.read_seq;
		// Messages the server no longer keeps (pruned, or gone with an earlier group of the name) are not unread: `unread` counts only kept ones.
		work.readSeq = Math.max(work.readSeq, summary.read_seq, summary.last_seq - summary.unread);
	}

	// The open conversation has messages the user has not seen (sent while away): the line goes above them.
	const active = draft.work(draft.active);
	if (active.lastSeq > active.readSeq) {
		active.newAfter = active.readSeq;
	}

	draft.loadFirstPage(draft.active);
}

export function applyEvent(draft: Draft, event: ServerEvent): void {
	switch (event.type) {
		case 'msg':
		case 'broadcast':
		case 'group_msg': {
			addMessage(draft, messageConversation(draft, event), event);
			break;
		}

		case 'login_ok': {
			applySummaries(draft, event.conversations ?? []);
			break;
		}

		case 'gap': {
			const key = keyOf(event.conversation);
			if (key !== undefined) {
				learnConversation(draft, key);
				addGap(draft, key, event.after, event.before);
			}

			break;
		}

		case 'read': {
			const key = keyOf(event.conversation);
			if (key !== undefined) {
				markRead(draft, key, event.seq);
			}

			break;
		}

		case 'presence': {
			applyPresence(draft, event);
			break;
		}

		case 'membership': {
			applyMembership(draft, event);
			break;
		}

		case 'notice': {
			draft.info(draft.active, 'info', event.text);
			break;
		}

		case 'bye': {
			draft.info(draft.active, 'info', `server: ${event.text}`);
			break;
		}

		case 'error': {
			// Errors that answer a request come back through the request's promise; only unsolicited ones land here.
			if (event.id === undefined) {
				draft.info(draft.active, 'error', event.message);
			}

			break;
		}

		case 'resumed':
		case 'welcome':
		case 'ok':
		case 'pong': {
			break;
		}
	}
}
