import {conversationOf, parseConversation, type ChatMessage} from '../../protocol/index.js';
import type {Draft} from './chat-draft.js';
import type {ConversationKey} from './types.js';

export function sortedUnion(list: readonly string[], add: readonly string[]): readonly string[] {
	if (add.every(name => list.includes(name))) {
		return list;
	}

	return [...new Set([...list, ...add])].sort();
}

export function learnUsers(draft: Draft, names: readonly string[]): void {
	const knownUsers = sortedUnion(draft.state.knownUsers, names);
	if (knownUsers !== draft.state.knownUsers) {
		draft.state = {...draft.state, knownUsers};
	}
}

export function learnGroups(draft: Draft, names: readonly string[]): void {
	const knownGroups = sortedUnion(draft.state.knownGroups, names);
	if (knownGroups !== draft.state.knownGroups) {
		draft.state = {...draft.state, knownGroups};
	}
}

/** The view's key for a conversation as the server spells it (normalized), or undefined when it is not one. */
export function keyOf(conversation: string): ConversationKey | undefined {
	const parsed = parseConversation(conversation);
	return parsed.ok ? parsed.name : undefined;
}

export function learnConversation(draft: Draft, key: ConversationKey): void {
	draft.ensure(key);
	if (key.startsWith('#')) {
		learnGroups(draft, [key.slice(1)]);
	} else if (key.startsWith('@')) {
		learnUsers(draft, [key.slice(1)]);
	}
}

export function messageConversation(draft: Draft, message: ChatMessage): ConversationKey {
	const key = conversationOf(message, draft.me);
	learnUsers(draft, message.type === 'msg' ? [message.from, message.to] : [message.from]);
	learnConversation(draft, key);
	return key;
}
