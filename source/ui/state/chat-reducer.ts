import type {CommandReply} from '../../client/connection.js';
import type {ChatMessage, Command, ServerEvent} from '../../protocol/index.js';
import {tuiKeyHelp} from '../help.js';
import {allKey, conversationOrder, dmKey, emptyConversation, groupKey} from './conversations.js';
import {mentions} from './mentions.js';
import type {ChatState, ConnectionState, Conversation, ConversationKey, ConversationKind, Line} from './types.js';

export type ChatAction =
	/** Events pushed by the server (messages, presence, membership, notices), batched. */
	| {readonly type: 'server_events'; readonly events: readonly ServerEvent[]}
	/** The reply to a command this client sent. `silent`: sent by the client itself (the refresh after a reconnect), show no text. */
	| {readonly type: 'reply'; readonly command: Command; readonly reply: CommandReply; readonly silent?: boolean}
	| {readonly type: 'connection'; readonly state: ConnectionState; readonly detail?: string}
	| {readonly type: 'lag'; readonly ms: number}
	| {readonly type: 'switch'; readonly step: 1 | -1}
	| {readonly type: 'select'; readonly key: ConversationKey}
	| {readonly type: 'scroll'; readonly to: 'page_up' | 'page_down' | 'top' | 'bottom'; readonly pageSize: number}
	/** A line from the client itself (a usage error, "not connected"), shown in the open conversation. */
	| {readonly type: 'notice'; readonly level: 'info' | 'error'; readonly text: string};

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
	};
}

function sortedUnion(list: readonly string[], add: readonly string[]): readonly string[] {
	if (add.every(name => list.includes(name))) {
		return list;
	}

	return [...new Set([...list, ...add])].sort();
}

/** How far back to look for a message id already shown (the same message can come as reply and event). */
const duplicateWindow = 64;

/**
A batch of changes to apply to a state. Conversation line arrays are copied once per batch, then
appended to in place, so a burst of N messages costs one copy of the history, not N.
*/
class Draft {
	state: ChatState;
	readonly #touched = new Map<ConversationKey, {lines: Line[]; unread: number; mentions: number; added: number}>();

	constructor(state: ChatState) {
		this.state = state;
	}

	ensure(key: ConversationKey, kind: ConversationKind, name: string): void {
		if (!this.state.conversations[key]) {
			this.state = {...this.state, conversations: {...this.state.conversations, [key]: emptyConversation(key, kind, name)}};
		}
	}

	remove(key: ConversationKey): void {
		if (key === allKey || !this.state.conversations[key]) {
			return;
		}

		this.commit();
		const {[key]: _removed, ...rest} = this.state.conversations;
		this.state = {...this.state, conversations: rest, active: this.state.active === key ? allKey : this.state.active};
	}

	#work(key: ConversationKey) {
		let work = this.#touched.get(key);
		if (!work) {
			const conversation = this.state.conversations[key]!;
			work = {lines: [...conversation.lines], unread: 0, mentions: 0, added: 0};
			this.#touched.set(key, work);
		}

		return work;
	}

	info(key: ConversationKey, level: 'info' | 'error', text: string): void {
		const work = this.#work(key);
		for (const part of text.split('\n')) {
			work.lines.push({kind: level, key: this.state.nextKey, text: part});
			this.state = {...this.state, nextKey: this.state.nextKey + 1};
			work.added++;
		}
	}

	message(key: ConversationKey, message: ChatMessage): void {
		const work = this.#work(key);
		const {lines} = work;
		for (let index = lines.length - 1; index >= Math.max(0, lines.length - duplicateWindow); index--) {
			const line = lines[index]!;
			// Ids start again when an in-memory server restarts: the timestamp tells those apart.
			if (line.kind === 'message' && line.id === message.id && line.ts === message.ts) {
				return;
			}
		}

		const mine = message.from === this.state.me;
		const mention = !mine && mentions(message.text, this.state.me);
		lines.push({kind: 'message', key: this.state.nextKey, id: message.id, ts: message.ts, from: message.from, text: message.text, mine, mention});
		this.state = {...this.state, nextKey: this.state.nextKey + 1};
		work.added++;
		if (!mine && key !== this.state.active) {
			work.unread++;
			if (mention) {
				work.mentions++;
			}
		}
	}

	select(key: ConversationKey): void {
		if (!this.state.conversations[key]) {
			return;
		}

		this.commit();
		const conversation = this.state.conversations[key];
		this.state = {
			...this.state,
			active: key,
			conversations: {...this.state.conversations, [key]: {...conversation, unread: 0, mentions: 0}},
		};
	}

	commit(): ChatState {
		if (this.#touched.size === 0) {
			return this.state;
		}

		const conversations = {...this.state.conversations};
		const limit = this.state.historyLimit;
		for (const [key, work] of this.#touched) {
			const conversation = conversations[key]!;
			const lines = work.lines.length > limit ? work.lines.slice(work.lines.length - limit) : work.lines;
			// Someone scrolled back keeps seeing the same lines while new ones arrive below.
			const scroll = conversation.scroll === 0 ? 0 : Math.min(conversation.scroll + work.added, Math.max(0, lines.length - 1));
			conversations[key] = {
				...conversation,
				lines,
				scroll,
				unread: conversation.unread + work.unread,
				mentions: conversation.mentions + work.mentions,
			};
		}

		this.#touched.clear();
		this.state = {...this.state, conversations};
		return this.state;
	}
}

function messageConversation(draft: Draft, message: ChatMessage): ConversationKey {
	switch (message.type) {
		case 'broadcast': {
			return allKey;
		}

		case 'group_msg': {
			draft.ensure(groupKey(message.group), 'group', message.group);
			return groupKey(message.group);
		}

		case 'msg': {
			// My message from another of my sessions belongs to the conversation with its recipient.
			const partner = message.from === draft.state.me ? message.to : message.from;
			draft.ensure(dmKey(partner), 'dm', partner);
			return dmKey(partner);
		}
	}
}

function learnUsers(draft: Draft, names: readonly string[]): void {
	const knownUsers = sortedUnion(draft.state.knownUsers, names);
	if (knownUsers !== draft.state.knownUsers) {
		draft.state = {...draft.state, knownUsers};
	}
}

function learnGroups(draft: Draft, names: readonly string[]): void {
	const knownGroups = sortedUnion(draft.state.knownGroups, names);
	if (knownGroups !== draft.state.knownGroups) {
		draft.state = {...draft.state, knownGroups};
	}
}

function applyEvent(draft: Draft, event: ServerEvent): void {
	switch (event.type) {
		case 'msg':
		case 'broadcast':
		case 'group_msg': {
			learnUsers(draft, event.type === 'msg' ? [event.from, event.to] : [event.from]);
			if (event.type === 'group_msg') {
				learnGroups(draft, [event.group]);
			}

			draft.message(messageConversation(draft, event), event);
			break;
		}

		case 'presence': {
			if (event.user === draft.state.me) {
				break;
			}

			learnUsers(draft, [event.user]);
			const online = event.online
				? sortedUnion(draft.state.online, [event.user])
				: draft.state.online.filter(name => name !== event.user);
			draft.state = {...draft.state, online};
			const text = event.online ? `${event.user} is online` : `${event.user} went offline`;
			draft.info(allKey, 'info', text);
			if (draft.state.conversations[dmKey(event.user)]) {
				draft.info(dmKey(event.user), 'info', text);
			}

			break;
		}

		case 'membership': {
			learnGroups(draft, [event.group]);
			learnUsers(draft, [event.user]);
			const key = groupKey(event.group);
			if (event.user === draft.state.me) {
				// My own join or leave is reported by the reply to my command (or by another of my sessions).
				if (event.joined) {
					draft.ensure(key, 'group', event.group);
				} else {
					draft.remove(key);
				}

				break;
			}

			if (draft.state.conversations[key]) {
				draft.info(key, 'info', `${event.user} ${event.joined ? 'joined' : 'left'} #${event.group}`);
			}

			break;
		}

		case 'notice': {
			draft.info(draft.state.active, 'info', event.text);
			break;
		}

		case 'bye': {
			draft.info(draft.state.active, 'info', `server: ${event.text}`);
			break;
		}

		case 'error': {
			// Errors that answer a request come back through the request's promise; only unsolicited ones land here.
			if (event.id === undefined) {
				draft.info(draft.state.active, 'error', event.message);
			}

			break;
		}

		case 'welcome':
		case 'login_ok':
		case 'ok':
		case 'pong': {
			break;
		}
	}
}

function applyReply(draft: Draft, command: Command, reply: CommandReply, silent: boolean): void {
	if (reply.type === 'error') {
		if (!silent) {
			draft.info(draft.state.active, 'error', reply.message);
		}

		return;
	}

	switch (reply.command) {
		case 'msg':
		case 'broadcast':
		case 'group_msg': {
			const key = messageConversation(draft, reply.message);
			draft.message(key, reply.message);
			if (reply.command === 'msg' && !silent) {
				draft.select(key);
			}

			break;
		}

		case 'create_group':
		case 'join_group': {
			learnGroups(draft, [reply.group]);
			const key = groupKey(reply.group);
			draft.ensure(key, 'group', reply.group);
			draft.info(key, 'info', reply.text);
			if (!silent) {
				draft.select(key);
			}

			break;
		}

		case 'leave_group': {
			draft.remove(groupKey(reply.group));
			draft.info(allKey, 'info', reply.text);
			break;
		}

		case 'users': {
			const names = reply.users.map(user => user.name);
			learnUsers(draft, names);
			draft.state = {...draft.state, online: [...new Set(names)].filter(name => name !== draft.state.me).sort()};
			if (!silent) {
				draft.info(draft.state.active, 'info', reply.text);
			}

			break;
		}

		case 'groups': {
			learnGroups(draft, reply.groups.map(group => group.name));
			for (const group of reply.groups) {
				if (group.joined) {
					draft.ensure(groupKey(group.name), 'group', group.name);
				}
			}

			if (!silent) {
				draft.info(draft.state.active, 'info', reply.text);
			}

			break;
		}

		case 'members': {
			learnUsers(draft, reply.members.map(member => member.name));
			if (!silent) {
				draft.info(draft.state.active, 'info', reply.text);
			}

			break;
		}

		case 'help': {
			draft.info(draft.state.active, 'info', reply.text);
			if (command.type === 'help' && command.topic === undefined) {
				draft.info(draft.state.active, 'info', tuiKeyHelp.join('\n'));
			}

			break;
		}

		case 'exit': {
			break;
		}
	}
}

function scrolled(conversation: Conversation, to: 'page_up' | 'page_down' | 'top' | 'bottom', pageSize: number): Conversation {
	const max = Math.max(0, conversation.lines.length - 1);
	const step = Math.max(1, pageSize);
	const scroll = to === 'page_up'
		? Math.min(max, conversation.scroll + step)
		: to === 'page_down'
			? Math.max(0, conversation.scroll - step)
			: to === 'top' ? max : 0;
	return scroll === conversation.scroll ? conversation : {...conversation, scroll};
}

/** Pure: the whole client view as a function of what the server said and what the user did. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
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
			return chatReducer(state, {type: 'select', key: next});
		}

		case 'select': {
			const draft = new Draft(state);
			draft.select(action.key);
			return draft.commit();
		}

		case 'scroll': {
			const conversation = state.conversations[state.active]!;
			const next = scrolled(conversation, action.to, action.pageSize);
			return next === conversation ? state : {...state, conversations: {...state.conversations, [state.active]: next}};
		}
	}
}

export function activeConversation(state: ChatState): Conversation {
	return state.conversations[state.active]!;
}
