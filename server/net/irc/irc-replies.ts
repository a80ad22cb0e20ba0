import type {ErrorReply, ServerEvent} from '../../../source/protocol/index.js';
import {CHATHISTORY_LIMIT} from './irc-chathistory.js';
import {ircLine, lineSafe, numeric, SERVER_NAME, splitToBytes, userMask} from './irc-line.js';

/** ISUPPORT (005), at most 15 tokens a line. No channel prefixes (natter has no operators); modes n and t are always on. */
export const isupportLines: readonly string[] = [
	'CASEMAPPING=ascii CHANTYPES=# NICKLEN=32 CHANNELLEN=33 NETWORK=natter PREFIX=() CHANMODES=,,,nt TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:10,PART:10 MAXTARGETS=4 UTF8ONLY',
	`LINELEN=512 CHATHISTORY=${CHATHISTORY_LIMIT} MSGREFTYPES=msgid,timestamp AWAYLEN=200 MODES=0`,
];

export type WelcomeFacts = {
	readonly nick: string;
	readonly version: string;
	readonly created: string;
	readonly usersOnline: number;
	/** login_ok's text: users online, messages waiting, unread counts. */
	readonly text: string;
	/** The groups the user is in: joined at once, as an IRC client expects of its channels. */
	readonly groups: readonly string[];
};

/** 001–005, LUSERS, MOTD (natter's own login text), then a JOIN for every group the user is in. */
export function welcomeBurst(facts: WelcomeFacts): string {
	const {nick, version} = facts;
	const motd = facts.text.replace(/ ?Type \/help for the commands\.$/, '');
	let lines = numeric('001', nick, [], `Welcome to the natter IRC network, ${nick}`)
		+ numeric('002', nick, [], `Your host is ${SERVER_NAME}, running version natter-${version}`)
		+ numeric('003', nick, [], `This server was created ${facts.created}`)
		+ numeric('004', nick, [SERVER_NAME, `natter-${version}`, 'i', 'nt'])
		+ isupportLines.map(tokens => numeric('005', nick, tokens.split(' '), 'are supported by this server')).join('')
		+ numeric('251', nick, [], `There are ${facts.usersOnline} users and 0 invisible on 1 servers`)
		+ numeric('255', nick, [], `I have ${facts.usersOnline} clients and 0 servers`)
		+ numeric('375', nick, [], `- ${SERVER_NAME} Message of the day -`);
	for (const piece of [...splitToBytes(lineSafe(motd), 400), 'Groups are channels: /join #group joins one (creating it when there is none).', 'Broadcasts come as notices to $*. More: docs/irc.md']) {
		lines += numeric('372', nick, [], `- ${piece}`);
	}

	lines += numeric('376', nick, [], 'End of /MOTD command.');
	for (const group of facts.groups) {
		lines += `:${userMask(nick)} JOIN #${group}\r\n`;
	}

	return lines;
}

/** A server notice to `target` (`*` before registration), one line per line of `text`. */
export function serverNotice(target: string, text: string): string {
	return text.split('\n').flatMap(line => splitToBytes(lineSafe(line), 400)).map(piece => ircLine(SERVER_NAME, 'NOTICE', [target], piece)).join('');
}

/** The connection's last words: `ERROR :Closing Link: …`. */
export function closingLine(nick: string, text: string): string {
	return `ERROR :Closing Link: ${nick || '*'}[${SERVER_NAME}] (${lineSafe(text)})\r\n`;
}

/** Errors the connection raises outside a command (flood, a line too long, invalid UTF-8, a login refused). */
export function connectionError(event: ErrorReply, nick: string, command: string, loginVia: 'pass' | 'sasl' | undefined, registered: boolean): string {
	const target = nick || '*';
	switch (event.code) {
		case 'line_too_long': {
			return numeric('417', target, [], 'Input line was too long');
		}

		case 'unknown_command': {
			return numeric('421', target, [lineSafe(command).slice(0, 32) || '*'], 'Unknown command');
		}

		case 'not_logged_in': {
			return numeric('451', target, [], 'You have not registered');
		}

		default: {
			break;
		}
	}

	if (!registered && loginVia === 'sasl') {
		return numeric('904', target, [], `SASL authentication failed: ${lineSafe(event.message)}`);
	}

	if (!registered && event.code === 'auth_failed') {
		return numeric('464', target, [], `Password incorrect: ${lineSafe(event.message)}`);
	}

	if (!registered && event.code === 'throttled') {
		return numeric('464', target, [], `Login refused: ${lineSafe(event.message)}`);
	}

	return serverNotice(target, event.message);
}

/** Anything but a command reply or a shared event, as this connection shows it. */
export function isQuietEvent(event: ServerEvent): boolean {
	return event.type === 'welcome' || event.type === 'presence' || event.type === 'read' || event.type === 'gap' || event.type === 'resumed' || event.type === 'pong';
}
