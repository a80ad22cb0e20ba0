import {nameProblem, normalizeName} from '../../../source/protocol/index.js';
import {capCommand} from './irc-capabilities.js';
import {joinCommand, modeCommand, namesCommand, partCommand, topicCommand} from './irc-channel-commands.js';
import {chathistoryReply} from './irc-chathistory.js';
import {ircLine, lineSafe, SERVER_NAME, type IrcMessage} from './irc-line.js';
import {messageCommand} from './irc-messaging.js';
import {isonReply, listReply, lusersReply, userhostReply, whoisReply, whoReply} from './irc-queries.js';
import {markreadReply} from './irc-read-marker.js';
import type {IrcSession} from './irc-session.js';

/** A registered client's line: each command to its module, the small ones answered here. */
export function afterRegistration(session: IrcSession, message: IrcMessage): void | Promise<void> {
	const {params} = message;
	const {host, nick} = session;
	switch (message.command) {
		case 'PRIVMSG':
		case 'NOTICE': {
			return messageCommand(session, params, message.command === 'NOTICE');
		}

		case 'JOIN': {
			return joinCommand(session, params);
		}

		case 'PART': {
			return partCommand(session, params);
		}

		case 'NAMES': {
			return namesCommand(session, params);
		}

		case 'WHO': {
			const mask = params[0] ?? '*';
			if (mask.startsWith('#') ? session.groupOf(mask) === undefined : nameProblem(mask, 'user') !== undefined) {
				session.numeric('315', [mask], 'End of /WHO list.');
				return;
			}

			return host.respond(whoReply(host, nick, mask));
		}

		case 'LIST': {
			const only = params[0] === undefined ? undefined : new Set(params[0].split(',').map(channel => session.groupOf(channel)).filter(group => group !== undefined));
			return host.respond(listReply(host, nick, only));
		}

		case 'TOPIC': {
			topicCommand(session, params);
			return;
		}

		case 'MODE': {
			modeCommand(session, params);
			return;
		}

		case 'AWAY': {
			if (params[0] === undefined || params[0] === '') {
				session.numeric('305', [], 'You are no longer marked as being away');
			} else {
				session.numeric('306', [], 'You have been marked as being away');
			}

			return;
		}

		case 'ISON': {
			return host.respond(isonReply(host, nick, params.flatMap(word => word.split(' ')).filter(word => nameProblem(word, 'user') === undefined)));
		}

		case 'USERHOST': {
			return host.respond(userhostReply(host, nick, params.filter(word => nameProblem(word, 'user') === undefined)));
		}

		case 'WHOIS': {
			const target = params.at(-1);
			if (target === undefined) {
				session.numeric('431', [], 'No nickname given');
				return;
			}

			if (nameProblem(target, 'user') !== undefined) {
				session.numeric('401', [target], 'No such nick/channel');
				session.numeric('318', [target], 'End of /WHOIS list.');
				return;
			}

			return host.respond(whoisReply(host, nick, target));
		}

		case 'LUSERS': {
			return host.respond(lusersReply(host, nick));
		}

		case 'MOTD': {
			session.numeric('422', [], 'MOTD File is missing');
			return;
		}

		case 'VERSION': {
			session.numeric('351', [`natter-${host.version}.`, SERVER_NAME], 'natter over IRC');
			return;
		}

		case 'PING': {
			session.say(ircLine(SERVER_NAME, 'PONG', [SERVER_NAME], lineSafe(params[0] ?? '')));
			return;
		}

		case 'QUIT': {
			host.end('exit', `Quit: ${params[0] ?? ''}`.slice(0, 200));
			return;
		}

		case 'CAP': {
			return capCommand(session, params);
		}

		case 'CHATHISTORY': {
			return host.respond(chathistoryReply(host, params, {
				mode: session.tagMode,
				batch: session.caps.has('batch'),
				nextBatchId: () => `h${++session.batches}`,
				conversations: () => session.conversations,
			}));
		}

		case 'NICK': {
			if (normalizeName(params[0] ?? '') !== nick) {
				session.numeric('432', [params[0] ?? '*'], 'Your nick is your natter user name and cannot change');
			}

			return;
		}

		case 'PASS':
		case 'USER': {
			session.numeric('462', [], 'You may not reregister');
			return;
		}

		case 'AUTHENTICATE': {
			session.numeric('907', [], 'You have already authenticated');
			return;
		}

		case 'MARKREAD': {
			return host.respond(markreadReply(host, params));
		}

		case 'TAGMSG': {
			// Client-only tags (typing notices and the like): natter does not relay them.
			return;
		}

		default: {
			host.error('unknown_command', 'unknown command');
		}
	}
}
