import {nameProblem, parseCommand, type ServerEvent} from '../../../source/protocol/index.js';
import {encodeChatMessage} from './irc-events.js';
import {lineSafe, numeric} from './irc-line.js';
import {serverNotice} from './irc-replies.js';
import type {IrcSession} from './irc-session.js';

/** Targets one PRIVMSG or NOTICE may name (ISUPPORT TARGMAX). */
const maxMessageTargets = 4;

/** PRIVMSG and NOTICE (with CTCP ACTION as /me) to channels, nicks and `$*`, the broadcasts. */
export function messageCommand(session: IrcSession, params: readonly string[], notice: boolean): void | Promise<void> {
	const [targets, text] = params;
	if (targets === undefined || targets === '') {
		session.numeric('411', [], `No recipient given (${notice ? 'NOTICE' : 'PRIVMSG'})`);
		return;
	}

	if (text === undefined || text === '') {
		session.numeric('412', [], 'No text to send');
		return;
	}

	let body = text;
	let action = false;
	if (body.startsWith('\u0001')) {
		const inner = body.slice(1).replace(/\u0001$/, '');
		const [kind = ''] = inner.split(' ', 1);
		if (kind.toUpperCase() !== 'ACTION') {
			// CTCP (VERSION, PING, …) is between clients; natter carries text and actions only.
			if (!notice) {
				session.say(serverNotice(session.nick, `CTCP ${lineSafe(kind).slice(0, 32)} is not carried by natter`));
			}

			return;
		}

		action = true;
		body = inner.slice(kind.length + 1);
	}

	return session.each(targets, maxMessageTargets, target => messageTo(session, target, body, action));
}

function messageTo(session: IrcSession, target: string, text: string, action: boolean): void | Promise<void> {
	let line: string;
	if (target === '$*') {
		line = action ? `/me * ${text}` : `/broadcast ${text}`;
	} else if (target.startsWith('#')) {
		const group = session.groupOf(target);
		if (group === undefined) {
			session.numeric('403', [target], 'No such channel');
			return;
		}

		line = action ? `/me #${group} ${text}` : `/group_msg ${group} ${text}`;
	} else if (nameProblem(target, 'user') === undefined) {
		line = action ? `/me @${target} ${text}` : `/msg ${target} ${text}`;
	} else {
		session.numeric('401', [target], 'No such nick/channel');
		return;
	}

	const parsed = parseCommand(line);
	if (!parsed.ok) {
		if (parsed.error.code === 'usage') {
			session.numeric('412', [], 'No text to send');
		} else {
			session.say(serverNotice(session.nick, parsed.error.message));
		}

		return;
	}

	return session.host.execute(parsed.command, reply => messageReply(session, reply, target));
}

/** The sender's answer: its echo (with echo-message), a note when stored for later, or the numeric of a refusal. */
function messageReply(session: IrcSession, reply: ServerEvent, target: string): string {
	const {nick} = session;
	if (reply.type === 'ok') {
		if (!('message' in reply)) {
			return '';
		}

		if (reply.message.type === 'msg') {
			session.conversations.add(`@${reply.message.to}`);
		}

		const echo = session.caps.has('echo-message') ? encodeChatMessage(reply.message, session.tagMode) : '';
		return reply.stored === true ? echo + serverNotice(nick, reply.text) : echo;
	}

	if (reply.type !== 'error') {
		return '';
	}

	switch (reply.code) {
		case 'no_such_group': {
			return numeric('403', nick, [target], 'No such channel');
		}

		case 'not_member': {
			return numeric('404', nick, [target], `Cannot send to channel: you are not in it (JOIN ${target})`);
		}

		case 'unknown_user': {
			return numeric('401', nick, [target], 'No such nick/channel');
		}

		default: {
			return serverNotice(nick, reply.message);
		}
	}
}
