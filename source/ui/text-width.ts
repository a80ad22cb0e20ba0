import stringWidth from 'string-width';
import {sanitizeText} from '../protocol/index.js';

/*
Terminals disagree on how wide an emoji sequence is: Ink (through string-width) counts 👍🏽 and
👨‍👩‍👧 as 2 columns, tmux 3.3 draws 4 and 6, other terminals 2. A frame laid out with the wrong
width wraps its border onto a line of its own and grows past the screen. So what is shown keeps
only what every terminal draws the same: a skin-tone modifier, a ZWJ and the emoji-style variation
selector are left out (👍🏽 shows as 👍, 👨‍👩‍👧 as 👨👩👧), and a regional-indicator flag shows as its
letters. The message itself is unchanged; only its picture on this screen is.
*/
// eslint-disable-next-line no-misleading-character-class
const unpredictable = /[\u{1F3FB}-\u{1F3FF}\u200D\uFE0F\uFE0E\u20E3\u{E0020}-\u{E007F}]/gu;
const regionalIndicator = /[\u{1F1E6}-\u{1F1FF}]/gu;

/** Sanitized text (no controls, see sanitizeText) with only characters whose width all terminals agree on. */
export function terminalSafe(text: string): string {
	const clean = sanitizeText(text);
	// Fast path: plain ASCII and most text carries none of them.
	if (!/[\u200D\uFE0E\uFE0F\u20E3\uD83C\uDB40]/.test(clean)) {
		return clean;
	}

	return clean.replace(unpredictable, '').replace(regionalIndicator, letter => String.fromCharCode(letter.codePointAt(0)! - 0x1F1E6 + 65));
}

/** Columns `text` takes, measured as Ink measures it (the same string-width). */
export function displayWidth(text: string): number {
	return stringWidth(text);
}

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/** The grapheme clusters of `text`: what a cursor steps over and a wrap never splits. */
export function graphemes(text: string): string[] {
	return Array.from(segmenter.segment(text), segment => segment.segment);
}

/**
Word-wraps `text` to rows of at most `width` columns (`firstWidth` for the first): breaks at spaces
(the space that breaks goes, so no row starts with it), a word longer than a row is cut by grapheme.
`\n` starts a new row.
*/
export function wrapText(text: string, width: number, firstWidth = width): string[] {
	const rows: string[] = [];
	let limit = Math.max(1, firstWidth);
	const next = () => {
		limit = Math.max(1, width);
	};

	for (const paragraph of text.split('\n')) {
		let row = '';
		let rowWidth = 0;
		for (const word of paragraph.split(/(?<= )/)) {
			const bare = word.endsWith(' ') ? word.slice(0, -1) : word;
			const wordWidth = displayWidth(bare);
			if (rowWidth > 0 && rowWidth + wordWidth > limit) {
				rows.push(row.trimEnd());
				next();
				row = '';
				rowWidth = 0;
			}

			if (wordWidth > limit) {
				for (const grapheme of graphemes(word)) {
					const graphemeWidth = displayWidth(grapheme);
					if (rowWidth + graphemeWidth > limit && rowWidth > 0) {
						rows.push(row);
						next();
						row = '';
						rowWidth = 0;
					}

					if (row === '' && grapheme === ' ') {
						continue;
					}

					row += grapheme;
					rowWidth += graphemeWidth;
				}

				continue;
			}

			row += word;
			rowWidth += displayWidth(word);
		}

		rows.push(row.trimEnd());
		next();
	}

	return rows;
}

/** The longest start of `text` that fits in `width` columns, ending in `…` when something was cut. */
export function shorten(text: string, width: number): string {
	if (displayWidth(text) <= width) {
		return text;
	}

	if (width <= 0) {
		return '';
	}

	let out = '';
	let used = 0;
	for (const grapheme of graphemes(text)) {
		const next = displayWidth(grapheme);
		if (used + next > width - 1) {
			break;
		}

		out += grapheme;
		used += next;
	}

	return `${out}…`;
}
