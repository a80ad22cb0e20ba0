import type {SessionInfo} from '../../../source/protocol/index.js';
import {plural, type Handler} from '../context.js';

/** `/sessions`: the user's own sessions, oldest first: on this server, or with several nodes on every node. */
export const sessions: Handler<{type: 'sessions'}> = async (context, session) => {
	const {node} = context.router;
	const here: SessionInfo[] = context.router.sessionsOf(session.user)
		.map(each => ({...each.describe(), current: each === session, ...(node === undefined ? {} : {node})}));
	const elsewhere: SessionInfo[] = (await context.router.sessionsElsewhere?.(session.user) ?? []).map(each => ({...each, current: false}));
	const list = [...here, ...elsewhere]
		.sort((a, b) => (a.since < b.since ? -1 : (a.since > b.since ? 1 : a.id - b.id)));
	const lines = list.map(each => `#${each.id} ${each.mode} from ${each.address} since ${each.since}${each.node === undefined ? '' : ` on ${each.node}`}${each.current ? ' (this one)' : ''}`);
	return {type: 'ok', command: 'sessions', text: `${plural(list.length, 'session')}: ${lines.join('; ')}`, sessions: list};
};

/** `/logout_others`: every other session of the user, on this node and (with a shared router) the others, gets `bye logged_out`. */
export const logoutOthers: Handler<{type: 'logout_others'}> = async (context, session) => {
	const others = context.router.sessionsOf(session.user).filter(each => each !== session);
	for (const other of others) {
		other.end('logged_out');
	}

	const ended = others.length + (context.router.endElsewhere?.(session.user, 'logged_out') ?? 0);
	return {type: 'ok', command: 'logout_others', text: ended === 0 ? 'no other sessions' : `ended ${plural(ended, 'other session')}`, ended};
};
