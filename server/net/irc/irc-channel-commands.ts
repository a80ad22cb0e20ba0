import {normalizeName} from '../../../source/protocol/index.js';
import {ircLine, lineSafe, numeric, userMask} from './irc-line.js';
import {namesReply} from './irc-queries.js';
import {serverNotice} from './irc-replies.js';
import type {IrcSession} from './irc-session.js';

/** Channels one JOIN, PART or NAMES may name (ISUPPORT TARGMAX). */
const maxJoinTargets = 10;

export function joinCommand(session: IrcSession, params: readonly string[]): void | Promise<void> {
	const channels = params[0];
	if (channels === undefined || channels === '') {
		session.numeric('461', ['JOIN'], 'Not enough parameters');
		return;
	}

	return session.each(channels, maxJoinTargets, channel => {
		const group = session.groupOf(channel);
		if (group === undefined) {
			session.numeric('479', [channel], `Illegal channel name: a channel is # and a natter group name (letters, digits, _ and -, at most 32)`);
			return;
		}

		return session.host.respond(joinOne(session, group));
	});
}

async function joinOne(session: IrcSession, group: string): Promise<string> {
	const {host, nick} = session;
	const reply = await host.run({type: 'join', group});
	if (reply.type === 'error' && reply.code !== 'already_member') {
		return reply.code === 'too_many_groups'
			? numeric('405', nick, [`#${group}`], `You have joined too many channels: ${reply.message}`)
			: serverNotice(nick, reply.message);
	}

	session.conversations.add(`#${group}`);
	return `:${userMask(nick)} JOIN #${group}\r\n${await session.channelState(group)}`;
}

export function partCommand(session: IrcSession, params: readonly string[]): void | Promise<void> {
	const [channels, reason] = params;
	if (channels === undefined || channels === '') {
		session.numeric('461', ['PART'], 'Not enough parameters');
		return;
	}

	return session.each(channels, maxJoinTargets, channel => {
		const group = session.groupOf(channel);
		if (group === undefined) {
			session.numeric('403', [channel], 'No such channel');
			return;
		}

		return session.host.respond(partOne(session, group, reason));
	});
}

async function partOne(session: IrcSession, group: string, reason: string | undefined): Promise<string> {
	const {nick} = session;
	const reply = await session.host.run({type: 'part', group});
	if (reply.type === 'error') {
		switch (reply.code) {
			case 'not_member': {
				return numeric('442', nick, [`#${group}`], 'You\'re not on that channel');
			}

			case 'no_such_group': {
				return numeric('403', nick, [`#${group}`], 'No such channel');
			}

			default: {
				return serverNotice(nick, reply.message);
			}
		}
	}

	return ircLine(userMask(nick), 'PART', [`#${group}`], reason === undefined ? undefined : lineSafe(reason));
}

export function namesCommand(session: IrcSession, params: readonly string[]): void | Promise<void> {
	if (params[0] === undefined) {
		session.numeric('366', ['*'], 'End of /NAMES list.');
		return;
	}

	const {host, nick} = session;
	return session.each(params[0], maxJoinTargets, channel => {
		const group = session.groupOf(channel);
		if (group === undefined) {
			session.numeric('366', [channel], 'End of /NAMES list.');
			return;
		}

		return host.respond(namesReply(host, nick, group));
	});
}

export function topicCommand(session: IrcSession, params: readonly string[]): void {
	const group = params[0] === undefined ? undefined : session.groupOf(params[0]);
	if (group === undefined) {
		session.numeric('403', [params[0] ?? '*'], 'No such channel');
	} else if (params.length > 1) {
		session.numeric('482', [`#${group}`], 'natter groups have no topic to set');
	} else {
		session.numeric('331', [`#${group}`], 'No topic is set');
	}
}

/** MODE: natter has no modes to change; channels are always +nt (members only may send, no topic to set). */
export function modeCommand(session: IrcSession, params: readonly string[]): void {
	const [target, modes] = params;
	if (target === undefined) {
		session.numeric('461', ['MODE'], 'Not enough parameters');
		return;
	}

	if (target.startsWith('#')) {
		const group = session.groupOf(target);
		if (group === undefined) {
			session.numeric('403', [target], 'No such channel');
			return;
		}

		const channel = `#${group}`;
		const list = modes?.replace(/^\+/, '');
		if (modes === undefined) {
			session.numeric('324', [channel, '+nt']);
		} else if (list === 'b') {
			session.numeric('368', [channel], 'End of channel ban list');
		} else if (list === 'e') {
			session.numeric('349', [channel], 'End of channel exception list');
		} else if (list === 'I') {
			session.numeric('347', [channel], 'End of channel invite list');
		} else {
			session.numeric('482', [channel], 'natter groups have no modes to change');
		}

		return;
	}

	if (normalizeName(target) === session.nick) {
		session.numeric('221', ['+']);
		return;
	}

	session.numeric('502', [], 'Can\'t change mode for other users');
}
