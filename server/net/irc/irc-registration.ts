import {nameProblem, normalizeName} from '../../../source/protocol/index.js';
import {capCommand} from './irc-capabilities.js';
import {ircLine, lineSafe, SERVER_NAME, type IrcMessage} from './irc-line.js';
import {maybeRegister} from './irc-login.js';
import {authenticate} from './irc-sasl.js';
import type {IrcSession} from './irc-session.js';

/** A line before registration: CAP, PASS, NICK, USER, AUTHENTICATE, PING and QUIT; anything else is refused. */
export function beforeRegistration(session: IrcSession, message: IrcMessage): void | Promise<void> {
	const {params} = message;
	switch (message.command) {
		case 'CAP': {
			return capCommand(session, params);
		}

		case 'PASS': {
			if (params[0] === undefined) {
				session.numeric('461', ['PASS'], 'Not enough parameters');
				return;
			}

			session.password = params[0];
			return;
		}

		case 'NICK': {
			return setNick(session, params[0]);
		}

		case 'USER': {
			if (params.length < 4) {
				session.numeric('461', ['USER'], 'Not enough parameters');
				return;
			}

			session.userGiven = true;
			return maybeRegister(session);
		}

		case 'AUTHENTICATE': {
			authenticate(session, params[0] ?? '');
			return;
		}

		case 'PING': {
			session.say(ircLine(SERVER_NAME, 'PONG', [SERVER_NAME], lineSafe(params[0] ?? '')));
			return;
		}

		case 'QUIT': {
			session.host.end('exit', 'Client quit');
			return;
		}

		default: {
			session.host.error('not_logged_in', 'register first (PASS, NICK, USER)');
		}
	}
}

function setNick(session: IrcSession, nick: string | undefined): void | Promise<void> {
	if (nick === undefined || nick === '') {
		session.numeric('431', [], 'No nickname given');
		return;
	}

	const problem = nameProblem(nick, 'user');
	if (problem !== undefined) {
		session.numeric('432', [nick], `Erroneous nickname: your nick is your natter user name (${problem})`);
		return;
	}

	session.nick = normalizeName(nick);
	return maybeRegister(session);
}
