import {nameProblem, normalizeName} from './names.js';

/**
A conversation as every command and client spells it: `#group`, `@user` (the direct messages
between you and that user) or `*` (broadcasts). `@user` is relative to whoever says it.
*/
export type ConversationName = string;

export type ConversationRef =
	| {readonly kind: 'group'; readonly group: string}
	| {readonly kind: 'dm'; readonly user: string}
	| {readonly kind: 'broadcast'};

export const BROADCAST_CONVERSATION = '*';

export type ConversationParse =
	| {readonly ok: true; readonly ref: ConversationRef; readonly name: ConversationName}
	| {readonly ok: false; readonly message: string};

const spelling = 'a conversation is #group, @user or *';

/** Parses `#dev`, `@bob` or `*`; names are normalized, so `#Dev` is `#dev`. */
export function parseConversation(text: string): ConversationParse {
	if (text === BROADCAST_CONVERSATION) {
		return {ok: true, ref: {kind: 'broadcast'}, name: BROADCAST_CONVERSATION};
	}

	const sigil = text[0];
	if (sigil !== '#' && sigil !== '@') {
		return {ok: false, message: spelling};
	}

	const kind = sigil === '#' ? 'group' : 'user';
	const problem = nameProblem(text.slice(1), kind);
	if (problem) {
		return {ok: false, message: `${problem} (${spelling})`};
	}

	const name = normalizeName(text.slice(1));
	return sigil === '#'
		? {ok: true, ref: {kind: 'group', group: name}, name: `#${name}`}
		: {ok: true, ref: {kind: 'dm', user: name}, name: `@${name}`};
}

export function formatConversation(ref: ConversationRef): ConversationName {
	switch (ref.kind) {
		case 'group': {
			return `#${ref.group}`;
		}

		case 'dm': {
			return `@${ref.user}`;
		}

		case 'broadcast': {
			return BROADCAST_CONVERSATION;
		}
	}
}

type MessageLike =
	| {readonly type: 'msg'; readonly from: string; readonly to: string}
	| {readonly type: 'group_msg'; readonly group: string}
	| {readonly type: 'broadcast'};

/** The conversation a message belongs to, as `viewer` spells it (a DM is `@` the other partner). */
export function conversationOf(message: MessageLike, viewer: string): ConversationName {
	switch (message.type) {
		case 'msg': {
			return `@${message.from === viewer ? message.to : message.from}`;
		}

		case 'group_msg': {
			return `#${message.group}`;
		}

		case 'broadcast': {
			return BROADCAST_CONVERSATION;
		}
	}
}
