import type {ChatState, Conversation, ConversationKey, ConversationKind} from './types.js';

export const allKey: ConversationKey = 'all';

export function groupKey(group: string): ConversationKey {
	return `#${group}`;
}

export function dmKey(user: string): ConversationKey {
	return `@${user}`;
}

export function emptyConversation(key: ConversationKey, kind: ConversationKind, name: string): Conversation {
	return {key, kind, name, lines: [], unread: 0, mentions: 0, scroll: 0};
}

const kindRank: Record<ConversationKind, number> = {all: 0, group: 1, dm: 2};

/** The panel's order, also the order Ctrl+N/Ctrl+P walk: All, then groups, then direct messages, each by name. */
export function conversationOrder(state: Pick<ChatState, 'conversations'>): ConversationKey[] {
	return Object.values(state.conversations)
		.sort((a, b) => kindRank[a.kind] - kindRank[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
		.map(conversation => conversation.key);
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
