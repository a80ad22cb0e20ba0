// C0 controls (but not tab, handled apart), DEL, C1 controls; zero-width and direction marks
// (U+200B-U+200F, U+061C ALM, U+FEFF); the line and paragraph separators (U+2028, U+2029), which
// some terminals and clients treat as a new line; every bidi embedding, override and isolate
// (U+202A-U+202E, U+2066-U+2069), which can reorder what a terminal shows; the invisible word
// joiner and operators (U+2060-U+2064). A zero-width joiner between two emoji is kept (it makes
// one emoji of them, 👨‍👩‍👧) and removed everywhere else.
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u061C\u200B\u200C\u200E\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|(?<![\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F])\u200D|\u200D(?!\p{Extended_Pictographic})/gu;

/** A surrogate with no partner: not a character, and rendered differently by every terminal. */
const loneSurrogate = /[\uD800-\uDFFF]/gu;

/** Spaces of every width (no-break, en, em, thin, ideographic…) count as one ordinary space. */
const wideSpace = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;

/** The longest run of spaces kept; a longer one is cut to this. */
export const MAX_SPACE_RUN = 3;

const longSpaceRun = new RegExp(` {${MAX_SPACE_RUN + 1},}`, 'g');
const spaceRun = ' '.repeat(MAX_SPACE_RUN);
const tooLongSpaceRun = ' '.repeat(MAX_SPACE_RUN + 1);

/** Printable ASCII only: with no over-long run of spaces, nothing in it needs cleaning (most text). */
const plainAscii = /^[\x20-\x7E]*$/;

/**
Make text from another user safe to print on a terminal: no escape sequences, no cursor moves,
no colour changes, nothing invisible that reorders or splits a line. Tabs and spaces of other
widths become a space; a run of more than MAX_SPACE_RUN spaces is cut to MAX_SPACE_RUN, so a
message cannot pad itself to the terminal's width and have its tail show as a line of its own
(a fake `[12:00:05] [private] bob -> carol: …`); a lone surrogate becomes U+FFFD; every other
control or invisible formatting character is removed.
*/
export function sanitizeText(text: string): string {
	if (plainAscii.test(text) && !text.includes(tooLongSpaceRun)) {
		return text;
	}

	return text
		.replaceAll('\t', ' ')
		.replace(wideSpace, ' ')
		.replace(unsafe, '')
		.replace(loneSurrogate, '\uFFFD')
		.replace(longSpaceRun, spaceRun);
}

export function hasUnsafeCharacters(text: string): boolean {
	return sanitizeText(text) !== text;
}
