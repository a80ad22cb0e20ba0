import type {HandlerTable} from '../context.js';
import {createGroup, join, joinGroup, leaveGroup} from './groups.js';
import {history, read} from './history.js';
import {exit, groups, help, members, users} from './info.js';
import {broadcast, groupMsg, me, msg} from './messaging.js';
import {logoutOthers, sessions} from './sessions.js';

/** One handler per command, keyed by `command.type`. */
export const handlers: HandlerTable = {
	msg,
	broadcast,
	group_msg: groupMsg,
	create_group: createGroup,
	join_group: joinGroup,
	leave_group: leaveGroup,
	join,
	part: leaveGroup,
	me,
	users,
	groups,
	members,
	history,
	read,
	sessions,
	logout_others: logoutOthers,
	help,
	exit,
};
