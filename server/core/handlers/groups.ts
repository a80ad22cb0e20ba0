import type {SessionSink} from '../session.js';
import {failure, type CoreContext, type Handler} from '../context.js';

/** Tells the group's members (and `user`'s other sessions) that `user` joined or left. */
async function announceMembership(context: CoreContext, session: SessionSink, group: string, joined: boolean): Promise<void> {
	const event = {type: 'membership', group, user: session.user, joined, ts: context.timestamp()} as const;
	const members = await context.store.members(group);
	const users = new Set(members);
	if (!joined) {
		users.add(session.user);
	}

	context.router.publish({kind: 'users', users, except: session}, event);
}

/** Why `user` may not be in one more group, or undefined when they may. */
async function groupsPerUserProblem(context: CoreContext, user: string): Promise<string | undefined> {
	const most = context.limits.maxGroupsPerUser;
	if (most > 0 && (await context.store.groupsOf(user)).length >= most) {
		return `you are in ${most} groups, the most allowed; leave one first`;
	}

	return undefined;
}

export const createGroup: Handler<{type: 'create_group'; group: string}> = async (context, session, {group}) => {
	const mine = await groupsPerUserProblem(context, session.user);
	if (mine !== undefined) {
		return failure('create_group', 'too_many_groups', mine);
	}

	const most = context.limits.maxGroups;
	if (most > 0 && (await context.store.groups()).length >= most) {
		return failure('create_group', 'too_many_groups', `the server holds ${most} groups, the most it allows; join one of them (/groups)`);
	}

	if (!await context.store.createGroup(group, session.user)) {
		return failure('create_group', 'group_exists', `#${group} already exists (join it with /join_group ${group})`);
	}

	await announceMembership(context, session, group, true);
	return {type: 'ok', command: 'create_group', text: `created #${group}; you are its first member`, group};
};

export const joinGroup: Handler<{type: 'join_group'; group: string}> = async (context, session, {group}) => {
	// Already in it, or no such group: say that, not that the user has too many groups.
	const members = await context.store.members(group);
	if (!members) {
		return failure('join_group', 'no_such_group', `no group named #${group} (create it with /create_group ${group})`);
	}

	if (members.has(session.user)) {
		return failure('join_group', 'already_member', `you are already in #${group}`);
	}

	const mine = await groupsPerUserProblem(context, session.user);
	if (mine !== undefined) {
		return failure('join_group', 'too_many_groups', mine);
	}

	const result = await context.store.addMember(group, session.user);
	if (result === 'no_such_group') {
		return failure('join_group', 'no_such_group', `no group named #${group} (create it with /create_group ${group})`);
	}

	if (result === 'already_member') {
		return failure('join_group', 'already_member', `you are already in #${group}`);
	}

	await announceMembership(context, session, group, true);
	return {type: 'ok', command: 'join_group', text: `joined #${group}`, group};
};

export const leaveGroup: Handler<{type: 'leave_group' | 'part'; group: string}> = async (context, session, {type, group}) => {
	const result = await context.store.removeMember(group, session.user);
	if (result === 'no_such_group') {
		return failure(type, 'no_such_group', `no group named #${group}`);
	}

	if (result === 'not_member') {
		return failure(type, 'not_member', `you are not in #${group}`);
	}

	await announceMembership(context, session, group, false);
	const text = result === 'removed_group' ? `left #${group}; it had no other members, so it is gone` : `left #${group}`;
	return {type: 'ok', command: type, text, group};
};

/** `/join`: IRC's JOIN, which creates a missing channel. Joining a group someone just created is still a join. */
export const join: Handler<{type: 'join'; group: string}> = async (context, session, {group}, applied) => {
	let created = !await context.store.members(group);
	let reply = created
		? await createGroup(context, session, {type: 'create_group', group}, applied)
		: await joinGroup(context, session, {type: 'join_group', group}, applied);
	if (reply.type === 'error' && reply.code === 'group_exists') {
		// Someone created it meanwhile.
		created = false;
		reply = await joinGroup(context, session, {type: 'join_group', group}, applied);
	}

	if (reply.type === 'error') {
		const message = reply.code === 'no_such_group' ? `#${group} went away while joining it; try again` : reply.message;
		return {...reply, command: 'join', message};
	}

	return created ? {type: 'ok', command: 'join', text: reply.text, group, created: true} : {type: 'ok', command: 'join', text: reply.text, group};
};
