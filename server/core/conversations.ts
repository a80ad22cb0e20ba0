import {parseConversation, type CommandName, type ConversationName} from '../../source/protocol/index.js';
import {failure, type CoreContext, type Reply} from './context.js';
import {BROADCAST_ID, dmConversationId, groupConversationId, type ConversationId} from './store.js';

export type ResolvedConversation = {readonly id: ConversationId; readonly name: ConversationName};

/**
A conversation as `user` names it, checked for reading: a group only by its members, a DM only
by its two partners (so only `@someone` with the asker), broadcasts by everyone.
*/
export async function resolveReadable(context: CoreContext, user: string, name: string, command: CommandName): Promise<ResolvedConversation | Reply> {
	const parsed = parseConversation(name);
	if (!parsed.ok) {
		return failure(command, 'bad_argument', parsed.message);
	}

	const {ref} = parsed;
	switch (ref.kind) {
		case 'group': {
			const members = await context.store.members(ref.group);
			if (!members) {
				return failure(command, 'no_such_group', `no group named #${ref.group}`);
			}

			if (!members.has(user)) {
				return failure(command, 'not_member', `you are not in #${ref.group}, so you cannot read it`);
			}

			return {id: groupConversationId(ref.group), name: parsed.name};
		}

		case 'dm': {
			if (ref.user !== user && !context.isRegistered(ref.user)) {
				return failure(command, 'unknown_user', `no user named ${ref.user}`);
			}

			return {id: dmConversationId(user, ref.user), name: parsed.name};
		}

		case 'broadcast': {
			return {id: BROADCAST_ID, name: parsed.name};
		}
	}
}

export function isResolved(value: ResolvedConversation | Reply): value is ResolvedConversation {
	return !('type' in value);
}

/** A store key as `viewer` spells it: `#g`, `@partner` or `*`. */
export function viewerName(id: ConversationId, viewer: string): ConversationName {
	if (id.startsWith('@')) {
		const [first = '', second = ''] = id.slice(1).split(',');
		return `@${first === viewer ? second : first}`;
	}

	return id;
}
