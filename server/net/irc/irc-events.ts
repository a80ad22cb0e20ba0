import {Buffer} from 'node:buffer';
import type {ChatMessage, ServerEvent} from '../../../source/protocol/index.js';
import {IRC_LINE_BYTES, lineSafe, splitToBytes, userMask} from './irc-line.js';

/**
Which IRCv3 tags a client takes on the lines everyone gets: none, `time` (server-time) or every
tag (message-tags: `time` and `msgid`). Each is its own encoder slot, so an event is encoded once
per mode, however many IRC users receive it.
*/
export type TagMode = 0 | 1 | 2;

/** Encoder slots: text is 0, JSON 1, IRC 2 + its tag mode. */
export const IRC_SLOT_BASE = 2;

/** Where a natter message is addressed on IRC: `#group`, the recipient's nick, or `$*` (every user: a broadcast). */
export function ircTarget(message: ChatMessage): string {
	switch (message.type) {
		case 'msg': {
			return message.to;
		}

		case 'group_msg': {
			return `#${message.group}`;
		}

		case 'broadcast': {
			return '$*';
		}
	}
}

function tags(mode: TagMode, ts: string, msgid: string | undefined, batch: string | undefined): string {
	if (mode === 0 && batch === undefined) {
		return '';
	}

	let text = batch === undefined ? '' : `batch=${batch}`;
	if (mode > 0) {
		text += `${text === '' ? '' : ';'}time=${ts}`;
	}

	if (mode === 2 && msgid !== undefined) {
		text += `;msgid=${msgid}`;
	}

	return `@${text} `;
}

/** The away message of a member with no session. */
export const OFFLINE = 'offline (not connected to natter)';

const actionStart = '\u0001ACTION ';
const actionEnd = '\u0001';

/**
A chat message as IRC lines: PRIVMSG to a group or a nick, a broadcast as NOTICE to `$*` (the
IRC form of a message to every user of the server), an action as CTCP ACTION (a broadcast one
as PRIVMSG to `$*`). A text longer than
an IRC line allows becomes several lines; only the first carries the msgid.
*/
export function encodeChatMessage(message: ChatMessage, mode: TagMode, batch?: string): string {
	const action = message.action === true;
	// An action stays a PRIVMSG: CTCP inside a NOTICE is a CTCP reply to clients.
	const command = message.type === 'broadcast' && !action ? 'NOTICE' : 'PRIVMSG';
	const head = `:${userMask(message.from)} ${command} ${ircTarget(message)} :`;
	const room = IRC_LINE_BYTES - 2 - Buffer.byteLength(head) - (action ? actionStart.length + actionEnd.length : 0);
	const pieces = splitToBytes(lineSafe(message.text), room);
	let lines = '';
	for (const [index, piece] of pieces.entries()) {
		const body = action ? `${actionStart}${piece}${actionEnd}` : piece;
		lines += `${tags(mode, message.ts, index === 0 ? message.msgid : undefined, batch)}${head}${body}\r\n`;
	}

	return lines;
}

/**
The IRC lines of an event that reaches many sessions alike (chat messages, joins and parts), or
undefined for one that is not. These depend on nothing but the event and the tag mode.
*/
export function encodeSharedEvent(event: ServerEvent, mode: TagMode): string | undefined {
	switch (event.type) {
		case 'msg':
		case 'group_msg':
		case 'broadcast': {
			return encodeChatMessage(event, mode);
		}

		case 'membership': {
			return `${tags(mode, event.ts, undefined, undefined)}:${userMask(event.user)} ${event.joined ? 'JOIN' : 'PART'} #${event.group}\r\n`;
		}

		case 'presence': {
			// Only sessions that took away-notify hear presence. Membership outlives a connection, so a member who goes offline stays in the channel, away.
			return `${tags(mode, event.ts, undefined, undefined)}:${userMask(event.user)} AWAY${event.online ? '' : ` :${OFFLINE}`}\r\n`;
		}

		default: {
			return undefined;
		}
	}
}
