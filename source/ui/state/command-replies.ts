import type {CommandReply} from '../../client/connection.js';
import type {Command} from '../../protocol/index.js';
import {tuiKeyHelp} from '../help.js';
import type {Draft} from './chat-draft.js';
import {allKey, groupKey} from './conversations.js';
import {applyMembersReply} from './group-members.js';
import {historyAnswered, historyFailed} from './history-paging.js';
import {keyOf, learnConversation, learnGroups, learnUsers, messageConversation} from './known-names.js';
import {addMessage, mergeHistory} from './message-lines.js';
import {markRead, markSent} from './read-markers.js';

/** Errors worth asking again for later (flood control, a node briefly away). */
const retryableErrors = new Set(['rate_limited', 'unavailable', 'closed']);

function applyError(draft: Draft, command: Command, reply: Extract<CommandReply, {type: 'error'}>, silent: boolean): void {
	if (command.type === 'history') {
		historyFailed(draft, command.conversation, command, retryableErrors.has(reply.code));
		if (silent && !retryableErrors.has(reply.code) && draft.has(command.conversation)) {
			draft.info(command.conversation, 'error', `history: ${reply.message}`);
		}
	} else if (command.type === 'read' && silent) {
		// The server will not take this marker: stop offering it.
		markRead(draft, command.conversation, command.seq ?? 0);
	}

	if (!silent) {
		draft.info(draft.active, 'error', reply.message);
	}
}

export function applyReply(draft: Draft, command: Command, reply: CommandReply, silent: boolean): void {
	if (reply.type === 'error') {
		applyError(draft, command, reply, silent);
		return;
	}

	switch (reply.command) {
		case 'msg':
		case 'broadcast':
		case 'group_msg':
		case 'me': {
			const key = messageConversation(draft, reply.message);
			addMessage(draft, key, reply.message);
			markSent(draft, key, reply.message.seq);
			if (reply.stored) {
				draft.info(key, 'info', reply.text);
			}

			if (reply.command === 'msg' && !silent) {
				draft.select(key);
			}

			break;
		}

		case 'history': {
			const key = keyOf(reply.conversation);
			if (key === undefined || command.type !== 'history') {
				break;
			}

			learnConversation(draft, key);
			for (const message of reply.messages) {
				learnUsers(draft, message.type === 'msg' ? [message.from, message.to] : [message.from]);
			}

			mergeHistory(draft, key, reply.messages);
			historyAnswered(draft, key, command, reply.messages, reply.more);
			if (!silent) {
				if (reply.messages.length === 0) {
					draft.info(key, 'info', reply.text);
				}

				draft.select(key);
			}

			break;
		}

		case 'read': {
			const key = keyOf(reply.conversation);
			if (key !== undefined) {
				// The marker this client sent is settled, even if the server holds less (it never goes back).
				markRead(draft, key, silent && command.type === 'read' ? Math.max(reply.seq, command.seq ?? 0) : reply.seq);
				if (!silent) {
					draft.info(draft.active, 'info', reply.text);
				}
			}

			break;
		}

		case 'create_group':
		case 'join_group':
		case 'join': {
			learnGroups(draft, [reply.group]);
			const key = groupKey(reply.group);
			const existing = draft.view(key);
			if ((reply.command === 'create_group' || reply.created) && existing && (existing.newestSeq > 0 || existing.history !== 'unloaded')) {
				// Created again (the server forgot it): its numbering starts at 1.
				draft.reset(key);
			}

			draft.ensure(key);
			draft.info(key, 'info', reply.text);
			if (!silent) {
				draft.select(key);
			}

			break;
		}

		case 'leave_group':
		case 'part': {
			draft.remove(groupKey(reply.group));
			draft.info(allKey, 'info', reply.text);
			break;
		}

		case 'users': {
			const names = reply.users.map(user => user.name);
			learnUsers(draft, names);
			draft.state = {...draft.state, online: [...new Set(names)].filter(name => name !== draft.me).sort()};
			if (!silent) {
				draft.info(draft.active, 'info', reply.text);
			}

			break;
		}

		case 'groups': {
			learnGroups(draft, reply.groups.map(group => group.name));
			for (const group of reply.groups) {
				if (group.joined) {
					draft.ensure(groupKey(group.name));
				}
			}

			if (!silent) {
				draft.info(draft.active, 'info', reply.text);
			}

			break;
		}

		case 'members': {
			applyMembersReply(draft, reply, silent);
			break;
		}

		case 'help': {
			draft.info(draft.active, 'info', reply.text);
			if (command.type === 'help' && command.topic === undefined) {
				draft.info(draft.active, 'info', tuiKeyHelp.join('\n'));
			}

			break;
		}

		case 'exit': {
			break;
		}
	}
}
