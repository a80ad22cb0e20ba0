import {commandSpecs, GROUPS_PAGE_SIZE, MEMBERS_PAGE_SIZE, type GroupInfo, type MemberInfo, type UserInfo} from '../../../source/protocol/index.js';
import {failure, plural, type Handler} from '../context.js';

const byName = (a: {name: string}, b: {name: string}) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0));

export const users: Handler<{type: 'users'}> = async context => {
	const list: UserInfo[] = context.router.onlineUsers();
	list.sort(byName);
	const names = list.map(user => (user.sessions > 1 ? `${user.name} (${user.sessions} sessions)` : user.name));
	return {type: 'ok', command: 'users', text: `${plural(list.length, 'user')} online: ${names.join(', ')}`, users: list};
};

/** The 1-based page asked for (clamped to the last), how many there are, and its slice of `list`. */
function pageOf<T>(list: readonly T[], size: number, asked: number | undefined): {page: number; pages: number; items: T[]} {
	const pages = Math.max(1, Math.ceil(list.length / size));
	const page = Math.min(Math.max(1, asked ?? 1), pages);
	return {page, pages, items: list.slice((page - 1) * size, page * size)};
}

/** ` (page 2 of 7; next: /groups dev 3)`, or nothing for a listing that fits one page. */
function pageNote(page: number, pages: number, next: string): string {
	if (pages === 1) {
		return '';
	}

	return page < pages ? ` (page ${page} of ${pages}; next: ${next} ${page + 1})` : ` (page ${page} of ${pages})`;
}

/**
A page of the groups (GROUPS_PAGE_SIZE), the user's own first, then by name; a filter keeps the
names containing it. Paged so that the reply stays a few KiB however many groups there are: the
server never makes a reply that could get its own client dropped as a slow reader.
*/
export const groups: Handler<{type: 'groups'; filter?: string; page?: number}> = async (context, session, {filter, page: asked}) => {
	const mine: GroupInfo[] = [];
	const others: GroupInfo[] = [];
	for (const {name, members} of await context.store.groups()) {
		if (filter !== undefined && !name.includes(filter)) {
			continue;
		}

		const joined = members.has(session.user);
		(joined ? mine : others).push({name, members: members.size, joined});
	}

	mine.sort(byName);
	others.sort(byName);
	const all = [...mine, ...others];
	const {page, pages, items} = pageOf(all, GROUPS_PAGE_SIZE, asked);
	const matching = filter === undefined ? '' : ` matching "${filter}"`;
	const listed = items.map(group => `#${group.name} (${plural(group.members, 'member')}${group.joined ? ', joined' : ''})`).join(', ');
	const text = all.length === 0
		? (filter === undefined ? 'no groups yet (create one with /create_group <group>)' : `no groups${matching}`)
		: `${plural(all.length, 'group')}${matching}${pageNote(page, pages, filter === undefined ? '/groups' : `/groups ${filter}`)}: ${listed}`;
	return {type: 'ok', command: 'groups', text, groups: items, ...(filter === undefined ? {} : {filter}), page, pages, total: all.length};
};

export const members: Handler<{type: 'members'; group: string; page?: number}> = async (context, _session, {group, page: asked}) => {
	const names = await context.store.members(group);
	if (!names) {
		return failure('members', 'no_such_group', `no group named #${group}`);
	}

	const all: MemberInfo[] = [...names].map(name => ({name, online: context.router.isOnline(name)}));
	all.sort(byName);
	const {page, pages, items} = pageOf(all, MEMBERS_PAGE_SIZE, asked);
	const text = `#${group} has ${plural(all.length, 'member')}${pageNote(page, pages, `/members ${group}`)}: ${items.map(member => `${member.name}${member.online ? '' : ' (offline)'}`).join(', ')}`;
	return {type: 'ok', command: 'members', group, text, members: items, page, pages, total: all.length};
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
