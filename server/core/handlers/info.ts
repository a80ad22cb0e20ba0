import {commandSpecs, type GroupInfo, type MemberInfo, type UserInfo} from '../../../source/protocol/index.js';
import {failure, plural, type Handler} from '../context.js';

const byName = (a: {name: string}, b: {name: string}) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0));

export const users: Handler<{type: 'users'}> = async context => {
	const list: UserInfo[] = context.router.onlineUsers();
	list.sort(byName);
	const names = list.map(user => (user.sessions > 1 ? `${user.name} (${user.sessions} sessions)` : user.name));
	return {type: 'ok', command: 'users', text: `${plural(list.length, 'user')} online: ${names.join(', ')}`, users: list};
};

export const groups: Handler<{type: 'groups'}> = async (context, session) => {
	const list: GroupInfo[] = [];
	for (const {name, members} of await context.store.groups()) {
		list.push({name, members: members.size, joined: members.has(session.user)});
	}

	list.sort(byName);
	const text = list.length === 0
		? 'no groups yet (create one with /create_group <group>)'
		: `${plural(list.length, 'group')}: ${list.map(group => `#${group.name} (${plural(group.members, 'member')}${group.joined ? ', joined' : ''})`).join(', ')}`;
	return {type: 'ok', command: 'groups', text, groups: list};
};

export const members: Handler<{type: 'members'; group: string}> = async (context, _session, {group}) => {
	const names = await context.store.members(group);
	if (!names) {
		return failure('members', 'no_such_group', `no group named #${group}`);
	}

	const list: MemberInfo[] = [...names].map(name => ({name, online: context.router.isOnline(name)}));
	list.sort(byName);
	const text = `#${group} has ${plural(list.length, 'member')}: ${list.map(member => `${member.name}${member.online ? '' : ' (offline)'}`).join(', ')}`;
	return {type: 'ok', command: 'members', group, text, members: list};
};

const usageWidth = Math.max(...commandSpecs.map(spec => spec.usage.length));

export const help: Handler<{type: 'help'; topic?: string}> = async (_context, _session, {topic}) => {
	if (topic !== undefined) {
		const spec = commandSpecs.find(candidate => candidate.name === topic);
		if (!spec) {
			return failure('help', 'unknown_command', `unknown command /${topic} (try /help)`);
		}

		return {type: 'ok', command: 'help', text: `${spec.usage}: ${spec.summary}`};
	}

	const lines = commandSpecs.map(spec => `  ${spec.usage.padEnd(usageWidth)}  ${spec.summary}`);
	return {type: 'ok', command: 'help', text: `commands:\n${lines.join('\n')}`};
};

export const exit: Handler<{type: 'exit'}> = async () => ({type: 'ok', command: 'exit', text: 'bye'});
