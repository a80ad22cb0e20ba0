import type {ConnectionEdge} from '../connection.js';
import {IrcDialect} from './irc-dialect.js';
import {IRC_TAGGED_LINE_BYTES} from './irc-line.js';

/** By default a registered IRC client silent this long is pinged, and dropped when silent as long again. */
export const DEFAULT_IRC_PING_MS = 90_000;

/** Connections of the IRC listener: IRC from the first byte, lines up to 8191 bytes with their tags (CR LF not counted by the framer). */
export function ircEdge(options: {readonly pingIntervalMs?: number; readonly created: Date}): ConnectionEdge {
	const created = options.created.toUTCString();
	const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_IRC_PING_MS;
	return {
		dialect: host => new IrcDialect(host, {pingIntervalMs, created}),
		maxLineBytes: IRC_TAGGED_LINE_BYTES - 2,
	};
}

/** The line an IRC client is refused with at connect (too many connections from its address). */
export function ircRefusal(text: string): string {
	return `ERROR :Closing Link: * (${text.replace(/[\r\n\0]/g, '')})\r\n`;
}
