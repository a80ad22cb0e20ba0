import {Buffer} from 'node:buffer';

/** The server's name in prefixes and numerics. Not a possible natter user name (it holds a dot), so no nick can pose as it. */
export const SERVER_NAME = 'irc.natter';

/** A line's bytes without its tags, CR LF included (RFC 1459). */
export const IRC_LINE_BYTES = 512;

/** A whole line with tags, CR LF included (IRCv3 message-tags: 4096 of tags, then 512). */
export const IRC_TAGGED_LINE_BYTES = 8191;

/** One line from a client: tags are read but only ever ignored (clients may send `+typing` and the like). */
export type IrcMessage = {
	readonly command: string;
	readonly params: readonly string[];
	/** The bytes of the line past its tags (what the 512-byte limit counts, without CR LF). */
	readonly bodyBytes: number;
};

/** Parses `[@tags ][:prefix ]COMMAND [params…][ :trailing]`; undefined for a line with no command. */
export function parseIrcLine(line: string): IrcMessage | undefined {
	let rest = line;
	if (rest.startsWith('@')) {
		const end = rest.indexOf(' ');
		rest = end === -1 ? '' : rest.slice(end + 1);
	}

	rest = rest.replace(/^ +/, '');
	const bodyBytes = Buffer.byteLength(rest);
	if (rest.startsWith(':')) {
		const end = rest.indexOf(' ');
		rest = end === -1 ? '' : rest.slice(end + 1);
	}

	const params: string[] = [];
	let command = '';
	while (rest.length > 0) {
		rest = rest.replace(/^ +/, '');
		if (rest.length === 0) {
			break;
		}

		if (command !== '' && rest.startsWith(':')) {
			params.push(rest.slice(1));
			break;
		}

		const end = rest.indexOf(' ');
		const word = end === -1 ? rest : rest.slice(0, end);
		rest = end === -1 ? '' : rest.slice(end + 1);
		if (command === '') {
			command = word.toUpperCase();
		} else {
			params.push(word);
		}
	}

	return command === '' ? undefined : {command, params, bodyBytes};
}

/** `nick!nick@irc.natter`: natter users have no separate ident or host. */
export function userMask(nick: string): string {
	return `${nick}!${nick}@${SERVER_NAME}`;
}

/** One line: `:prefix COMMAND middle… :last` + CR LF. The last parameter always gets its colon (safe for spaces and empty text). */
export function ircLine(prefix: string, command: string, middle: readonly string[], last?: string): string {
	const head = middle.length === 0 ? `:${prefix} ${command}` : `:${prefix} ${command} ${middle.join(' ')}`;
	return last === undefined ? `${head}\r\n` : `${head} :${last}\r\n`;
}

/** A middle parameter made of what a client sent: one word (no spaces), not starting with `:`, never empty. */
export function middleSafe(word: string): string {
	return lineSafe(word).replaceAll(' ', '').replace(/^:+/, '') || '*';
}

/** A numeric reply from the server to `target` (`*` before a nick is known). Middle parameters may echo what a client sent. */
export function numeric(code: string, target: string, middle: readonly string[], last?: string): string {
	return ircLine(SERVER_NAME, code, [target, ...middle.map(word => middleSafe(word))], last);
}

/**
Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes, between characters (never inside one),
at the last space when there is one in the second half of a piece. A natter message may be 4000
characters, an IRC line only 512 bytes: a long message reaches IRC users as several lines.
*/
export function splitToBytes(text: string, maxBytes: number): string[] {
	if (Buffer.byteLength(text) <= maxBytes) {
		return [text];
	}

	const pieces: string[] = [];
	let piece = '';
	let pieceBytes = 0;
	for (const character of text) {
		const bytes = Buffer.byteLength(character);
		if (pieceBytes + bytes > maxBytes) {
			const space = piece.lastIndexOf(' ');
			if (space > piece.length / 2) {
				pieces.push(piece.slice(0, space));
				piece = piece.slice(space + 1);
				pieceBytes = Buffer.byteLength(piece);
			} else {
				pieces.push(piece);
				piece = '';
				pieceBytes = 0;
			}
		}

		piece += character;
		pieceBytes += bytes;
	}

	if (piece !== '') {
		pieces.push(piece);
	}

	return pieces;
}

/** Strips what must never reach an IRC line from a parameter: CR, LF and NUL (they would end or cut the line). */
export function lineSafe(text: string): string {
	// eslint-disable-next-line no-control-regex
	return text.replace(/[\r\n\0]/g, '');
}
