import type {CommandReply} from '../../client/connection.js';
import type {ServerEvent} from '../../protocol/index.js';
import type {Draft} from './chat-draft.js';
import {allKey, groupKey} from './conversations.js';
import {learnGroups, learnUsers, sortedUnion} from './known-names.js';
import type {GroupMember} from './types.js';

/** Someone came online or went offline: the online list, their conversations and their groups' member lists say so. */
export function applyPresence(draft: Draft, event: Extract<ServerEvent, {type: 'presence'}>): void {
	if (event.user === draft.me) {
		return;
	}

	learnUsers(draft, [event.user]);
	const online = event.online
		? sortedUnion(draft.state.online, [event.user])
		: draft.state.online.filter(name => name !== event.user);
	draft.state = {...draft.state, online};
	const text = event.online ? `${event.user} is online` : `${event.user} went offline`;
	draft.info(allKey, 'info', text);
	if (draft.has(`@${event.user}`)) {
		draft.info(`@${event.user}`, 'info', text);
	}

	// The groups they are in say so too, and their member lists mark it.
	let members = draft.state.members;
	for (const [group, list] of Object.entries(members)) {
		const index = list.findIndex(member => member.name === event.user);
		if (index === -1 || list[index]!.online === event.online) {
			continue;
		}

		members = {...members, [group]: list.with(index, {name: event.user, online: event.online})};
		if (draft.has(groupKey(group))) {
			draft.info(groupKey(group), 'info', text);
		}
	}

	if (members !== draft.state.members) {
		draft.state = {...draft.state, members};
	}
}

/** Someone joined or left a group: its conversation and member list say so. */
export function applyMembership(draft: Draft, event: Extract<ServerEvent, {type: 'membership'}>): void {
	learnGroups(draft, [event.group]);
	learnUsers(draft, [event.user]);
	const key = groupKey(event.group);
	if (event.user === draft.me) {
		// My own join or leave is reported by the reply to my command (or by another of my sessions).
		if (event.joined) {
			draft.ensure(key);
		} else {
			draft.remove(key);
		}

		return;
	}

	if (draft.has(key)) {
		draft.info(key, 'info', `${event.user} ${event.joined ? 'joined' : 'left'} #${event.group}`);
	}

	const list = draft.state.members[event.group];
	if (list) {
		const others = list.filter(member => member.name !== event.user);
		const next = event.joined ? [...others, {name: event.user, online: true}].sort((a, b) => (a.name < b.name ? -1 : 1)) : others;
		const total = Math.max(next.length, (draft.state.memberTotals[event.group] ?? list.length) + (event.joined ? 1 : -1));
		draft.state = {...draft.state, members: {...draft.state.members, [event.group]: next}, memberTotals: {...draft.state.memberTotals, [event.group]: total}};
	}
}

/** A /members page: the panel's list of a group (a further page is added to what it holds). */
export function applyMembersReply(draft: Draft, reply: Extract<CommandReply, {command: 'members'}>, silent: boolean): void {
	learnUsers(draft, reply.members.map(member => member.name));
	const held = draft.state.members[reply.group];
	let list: readonly GroupMember[] | undefined;
	if ((reply.page ?? 1) === 1) {
		list = reply.members;
	} else if (silent && held) {
		// A further page of a large group, fetched for the panel: added to what it holds.
		const names = new Set(held.map(member => member.name));
		list = [...held, ...reply.members.filter(member => !names.has(member.name))].sort((a, b) => (a.name < b.name ? -1 : 1));
	}

	if (list) {
		const total = Math.max(list.length, reply.total ?? list.length);
		draft.state = {...draft.state, members: {...draft.state.members, [reply.group]: list}, memberTotals: {...draft.state.memberTotals, [reply.group]: total}};
	}

	if (!silent) {
		draft.info(draft.active, 'info', reply.text);
	}
}
