import type {CommandReply} from '../../client/connection.js';
import type {Command, ServerEvent} from '../../protocol/index.js';
import {Draft, type HistoryCommand} from './chat-draft.js';
import {applyReply} from './command-replies.js';
import {allKey, conversationOrder, emptyConversation} from './conversations.js';
import {fetchInView, historyFailed, scrolled} from './history-paging.js';
import {learnConversation} from './known-names.js';
import {markShown} from './read-markers.js';
import {applyEvent} from './server-events.js';
import type {ChatState, ConnectionState, Conversation, ConversationKey} from './types.js';

export {historyPageSize} from './history-paging.js';

export type ChatAction =
	/** Events pushed by the server (login summary, messages, presence, membership, gaps, read markers, notices), batched. */
	| {readonly type: 'server_events'; readonly events: readonly ServerEvent[]}
	/** The reply to a command this client sent. `silent`: sent by the client itself (a refresh, a history page, a read marker), show no text. */
	| {readonly type: 'reply'; readonly command: Command; readonly reply: CommandReply; readonly silent?: boolean}
	/** A history request got no reply (the connection dropped): it may be asked again. */
	| {readonly type: 'history_failed'; readonly command: HistoryCommand}
	/** The screen took the history requests up to this id and sent them. */
	| {readonly type: 'requests_taken'; readonly upTo: number}
	| {readonly type: 'connection'; readonly state: ConnectionState; readonly detail?: string}
	| {readonly type: 'lag'; readonly ms: number}
	| {readonly type: 'switch'; readonly step: 1 | -1}
	| {readonly type: 'select'; readonly key: ConversationKey}
	/** `rows`: message rows the panel shows (default pageSize + 1), to know when the top or a gap comes into view. */
	| {readonly type: 'scroll'; readonly to: 'page_up' | 'page_down' | 'top' | 'bottom'; readonly pageSize: number; readonly rows?: number; readonly topLines?: number}
	/** A line from the client itself (a usage error, "not connected"), shown in the open conversation. */
	| {readonly type: 'notice'; readonly level: 'info' | 'error'; readonly text: string}
	/** `/query`: open a conversation, making it when it is new. */
	| {readonly type: 'open'; readonly key: ConversationKey}
	/** `/close`: take a conversation out of the list (a new message brings it back). */
	| {readonly type: 'close'; readonly key: ConversationKey};

export const defaultHistoryLimit = 10_000;

export function initialChatState(options: {me: string; server: string; historyLimit?: number}): ChatState {
	return {
		me: options.me,
		server: options.server,
		connection: 'online',
		connectionDetail: '',
		lagMs: undefined,
		conversations: {[allKey]: emptyConversation(allKey, 'all', 'All')},
		active: allKey,
		online: [],
		knownGroups: [],
		knownUsers: [],
		historyLimit: options.historyLimit ?? defaultHistoryLimit,
		nextKey: 1,
		requests: [],
		nextRequest: 1,
		members: {},
		memberTotals: {},
		alerts: 0,
		lastAlert: undefined,
	};
}

function reduce(state: ChatState, action: ChatAction): ChatState {
	switch (action.type) {
		case 'server_events': {
			const draft = new Draft(state);
			for (const event of action.events) {
				applyEvent(draft, event);
			}

			return draft.commit();
		}

		case 'reply': {
			const draft = new Draft(state);
			applyReply(draft, action.command, action.reply, action.silent ?? false);
			return draft.commit();
		}

		case 'history_failed': {
			const draft = new Draft(state);
			historyFailed(draft, action.command.conversation, action.command, true);
			return draft.commit();
		}

		case 'requests_taken': {
			const requests = state.requests.filter(request => request.id > action.upTo);
			return requests.length === state.requests.length ? state : {...state, requests};
		}

		case 'notice': {
			const draft = new Draft(state);
			draft.info(state.active, action.level, action.text);
			return draft.commit();
		}

		case 'connection': {
			const detail = action.detail ?? '';
			if (state.connection === action.state && state.connectionDetail === detail) {
				return state;
			}

			return {...state, connection: action.state, connectionDetail: detail, lagMs: action.state === 'online' ? state.lagMs : undefined};
		}

		case 'lag': {
			return {...state, lagMs: action.ms};
		}

		case 'switch': {
			const order = conversationOrder(state);
			const index = order.indexOf(state.active);
			const next = order[(index + action.step + order.length) % order.length]!;
			return reduce(state, {type: 'select', key: next});
		}

		case 'select': {
			if (!state.conversations[action.key]) {
				return state;
			}

			const draft = new Draft(state);
			draft.select(action.key);
			return draft.commit();
		}

		case 'open': {
			const draft = new Draft(state);
			learnConversation(draft, action.key);
			draft.select(action.key);
			return draft.commit();
		}

		case 'close': {
			const draft = new Draft(state);
			draft.remove(action.key);
			return draft.commit();
		}

		case 'scroll': {
			const conversation = state.conversations[state.active]!;
			const scroll = scrolled(conversation, action.to, action.pageSize, action.topLines ?? action.rows ?? action.pageSize + 1);
			const draft = new Draft(state);
			if (scroll !== conversation.scroll) {
				draft.setScroll(state.active, scroll);
			}

			if (action.to === 'page_up' || action.to === 'top') {
				fetchInView(draft, action.rows ?? action.pageSize + 1);
			}

			return draft.commit();
		}
	}
}

/** Pure: the whole client view as a function of what the server said and what the user did. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
	const next = reduce(state, action);
	return next === state ? state : markShown(next);
}

export function activeConversation(state: ChatState): Conversation {
	return state.conversations[state.active]!;
}

/** The key of the line the "new messages" divider goes above: the first message after `newAfter` in the current epoch. */
export function firstNewLine(conversation: Pick<Conversation, 'lines' | 'newAfter' | 'epoch'>): number | undefined {
	const {newAfter, epoch} = conversation;
	if (newAfter === undefined) {
		return undefined;
	}

	let first: number | undefined;
	for (let index = conversation.lines.length - 1; index >= 0; index--) {
		const line = conversation.lines[index]!;
		if (line.kind === 'message') {
			if (line.epoch !== epoch || line.seq <= newAfter) {
				break;
			}

			first = line.key;
		}
	}

	return first;
}
