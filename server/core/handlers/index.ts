import type {HandlerTable} from '../context.js';
import {createGroup, joinGroup, leaveGroup} from './groups.js';
import {history, read} from './history.js';
import {exit, groups, help, members, users} from './info.js';
import {broadcast, groupMsg, msg} from './messaging.js';
import {logoutOthers, sessions} from './sessions.js';

/** One handler per command, keyed by `command.type`. */
export const handlers: HandlerTable = {
	msg,
	broadcast,
	group_msg: groupMsg,
	create_group: createGroup,
	join_group: joinGroup,
	leave_group: leaveGroup,
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
