import {BROADCAST_CONVERSATION, MAX_RESUME_CONVERSATIONS, type ResumePoints} from '../../protocol/index.js';
import type {ChatState, Conversation, ConversationKey, ConversationKind} from './types.js';

/** The broadcasts' conversation: keys are spelled as the protocol spells conversations. */
export const allKey: ConversationKey = BROADCAST_CONVERSATION;

export function groupKey(group: string): ConversationKey {
	return `#${group}`;
}

export function dmKey(user: string): ConversationKey {
	return `@${user}`;
}

/** The kind and name of a conversation key (`*`, `#dev`, `@bob`). */
export function describeKey(key: ConversationKey): {kind: ConversationKind; name: string} {
	if (key === allKey) {
		return {kind: 'all', name: 'All'};
	}

	return {kind: key.startsWith('#') ? 'group' : 'dm', name: key.slice(1)};
}

export function emptyConversation(key: ConversationKey, kind: ConversationKind, name: string): Conversation {
	return {
		key,
		kind,
		name,
		lines: [],
		unread: 0,
		mentions: 0,
		scroll: 0,
		lastSeq: 0,
		readSeq: 0,
		markedSeq: 0,
		newestSeq: 0,
		epoch: 0,
		history: 'unloaded',
		hasOlder: false,
		loadingOlder: false,
		newAfter: undefined,
	};
}

const kindRank: Record<ConversationKind, number> = {all: 0, group: 1, dm: 2};

/** The panel's order, also the order Ctrl+N/Ctrl+P walk: All, then groups, then direct messages, each by name. */
export function conversationOrder(state: Pick<ChatState, 'conversations'>): ConversationKey[] {
	return Object.values(state.conversations)
		.sort((a, b) => kindRank[a.kind] - kindRank[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
		.map(conversation => conversation.key);
}

/**
Where to resume after a reconnect: the newest seq held per conversation, for every conversation
whose history was loaded or that holds messages. A conversation never opened is left out: it is
fetched with /history when opened, and its unread count comes from the login summary.
*/
export function resumePoints(state: Pick<ChatState, 'conversations'>): ResumePoints {
	const points: Record<string, number> = {};
	const held = Object.values(state.conversations).filter(conversation => conversation.history === 'loaded' || conversation.newestSeq > 0);
	for (const conversation of held.slice(0, MAX_RESUME_CONVERSATIONS)) {
		points[conversation.key] = conversation.newestSeq;
	}

	return points;
}

/** Where plain text typed in a conversation goes, as a command line. */
export function plainTextLine(conversation: Conversation, text: string): string {
	switch (conversation.kind) {
		case 'all': {
			return `/broadcast ${text}`;
		}

		case 'group': {
			return `/group_msg ${conversation.name} ${text}`;
		}

		case 'dm': {
			return `/msg ${conversation.name} ${text}`;
		}
	}
}
