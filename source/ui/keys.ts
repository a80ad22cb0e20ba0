/**
The chat screen's keys, read from the raw input Ink hands its listeners (one escape sequence, or a
run of plain characters, per event). Ink 6's own `useInput` cannot tell Delete from Backspace,
Ctrl+Left from Left, Alt+1 from 1, or see a bracketed paste, so the screen reads the sequences itself.
*/
export type Key =
	| {readonly kind: 'text'; readonly text: string}
	/** `\r` or `\n` (inside a paste both are line ends). */
	| {readonly kind: 'enter'; readonly raw: '\r' | '\n'}
	| {readonly kind: 'tab'}
	| {readonly kind: 'backtab'}
	| {readonly kind: 'escape'}
	/** `word`: Alt+Backspace (or Ctrl+Backspace where the terminal sends one). */
	| {readonly kind: 'backspace'; readonly word: boolean}
	| {readonly kind: 'delete'}
	/** `word`: Ctrl or Alt held. */
	| {readonly kind: 'left' | 'right'; readonly word: boolean}
	| {readonly kind: 'up' | 'down'}
	/** `far`: Ctrl held (Ctrl+Home/End jump the messages to the top or bottom). */
	| {readonly kind: 'home' | 'end'; readonly far: boolean}
	/** `far`: Shift, Alt or Ctrl held: to the top or the bottom. */
	| {readonly kind: 'page_up' | 'page_down'; readonly far: boolean}
	/** Ctrl+letter, lower case (`a` for Ctrl+A). */
	| {readonly kind: 'ctrl'; readonly letter: string}
	/** Alt (Meta, Esc-prefixed) + a printable character: `1`, `a`, `b`, `f`, `d`. */
	| {readonly kind: 'alt'; readonly letter: string}
	| {readonly kind: 'paste_start'}
	| {readonly kind: 'paste_end'}
	/** Focus reporting (CSI ?1004h): ESC[I when the terminal gains the focus, ESC[O when it loses it. */
	| {readonly kind: 'focus'; readonly focused: boolean}
	| {readonly kind: 'unknown'};

const escape = '\u001B';

/** xterm modifier parameter (`1;5` → 5): 2 Shift, 3 Alt, 5 Ctrl, and their sums + 1. */
function modifiers(parameter: string | undefined): {shift: boolean; alt: boolean; ctrl: boolean} {
	const value = Math.max(0, Number(parameter ?? '1') - 1);
	return {shift: (value & 1) !== 0, alt: (value & 2) !== 0, ctrl: (value & 4) !== 0};
}

const csiPattern = /^\u001B\[(\d*)(?:;(\d+))?([~A-Za-z^$])$/;
const ss3Pattern = /^\u001BO([A-Za-z])$/;

function fromCsi(sequence: string): Key {
	const match = csiPattern.exec(sequence);
	if (!match) {
		return {kind: 'unknown'};
	}

	const [, number = '', modifier, final] = match;
	const held = modifiers(modifier);
	const word = held.ctrl || held.alt;
	switch (final) {
		case 'A': {
			return {kind: 'up'};
		}

		case 'B': {
			return {kind: 'down'};
		}

		case 'C': {
			return {kind: 'right', word};
		}

		case 'D': {
			return {kind: 'left', word};
		}

		case 'H': {
			return {kind: 'home', far: held.ctrl};
		}

		case 'F': {
			return {kind: 'end', far: held.ctrl};
		}

		case 'Z': {
			return {kind: 'backtab'};
		}

		case 'I':
		case 'O': {
			return number === '' && modifier === undefined ? {kind: 'focus', focused: final === 'I'} : {kind: 'unknown'};
		}

		case '~':
		case '^':
		case '$': {
			// rxvt marks Ctrl with ^ and Shift with $.
			const far = held.shift || held.alt || held.ctrl || final !== '~';
			switch (number) {
				case '1':
				case '7': {
					return {kind: 'home', far: held.ctrl || final === '^'};
				}

				case '4':
				case '8': {
					return {kind: 'end', far: held.ctrl || final === '^'};
				}

				case '3': {
					return {kind: 'delete'};
				}

				case '5': {
					return {kind: 'page_up', far};
				}

				case '6': {
					return {kind: 'page_down', far};
				}

				case '200': {
					return {kind: 'paste_start'};
				}

				case '201': {
					return {kind: 'paste_end'};
				}

				default: {
					return {kind: 'unknown'};
				}
			}
		}

		default: {
			return {kind: 'unknown'};
		}
	}
}

function fromSs3(sequence: string): Key {
	switch (ss3Pattern.exec(sequence)?.[1]) {
		case 'A': {
			return {kind: 'up'};
		}

		case 'B': {
			return {kind: 'down'};
		}

		case 'C': {
			return {kind: 'right', word: false};
		}

		case 'D': {
			return {kind: 'left', word: false};
		}

		case 'H': {
			return {kind: 'home', far: false};
		}

		case 'F': {
			return {kind: 'end', far: false};
		}

		default: {
			return {kind: 'unknown'};
		}
	}
}

function fromControl(character: string): Key {
	switch (character) {
		case '\r':
		case '\n': {
			return {kind: 'enter', raw: character};
		}

		case '\t': {
			return {kind: 'tab'};
		}

		case '\b':
		case '\u007F': {
			return {kind: 'backspace', word: false};
		}

		case escape: {
			return {kind: 'escape'};
		}

		default: {
			const code = character.charCodeAt(0);
			return code >= 1 && code <= 26 ? {kind: 'ctrl', letter: String.fromCharCode(code + 96)} : {kind: 'unknown'};
		}
	}
}

function isControl(character: string): boolean {
	const code = character.charCodeAt(0);
	return code < 0x20 || code === 0x7F;
}

/** The keys in one input event: an escape sequence, or plain text split at each control character. */
export function parseKeys(raw: string): Key[] {
	if (raw.startsWith(`${escape}[`)) {
		return [fromCsi(raw)];
	}

	if (raw.startsWith(`${escape}O`) && raw.length === 3) {
		return [fromSs3(raw)];
	}

	if (raw.startsWith(escape) && raw.length > 1) {
		const rest = raw.slice(1);
		if (rest === '\u007F' || rest === '\b') {
			return [{kind: 'backspace', word: true}];
		}

		if (rest === '\r') {
			return [{kind: 'enter', raw: '\r'}];
		}

		if (rest === escape) {
			return [{kind: 'escape'}];
		}

		// Esc then a character: Alt+character (one code point; a longer rest is Esc followed by typing).
		const first = String.fromCodePoint(rest.codePointAt(0)!);
		if (!isControl(first)) {
			return [{kind: 'alt', letter: first.toLowerCase()}, ...parseKeys(rest.slice(first.length))];
		}

		return [{kind: 'escape'}, ...parseKeys(rest)];
	}

	const keys: Key[] = [];
	let text = '';
	for (const character of raw) {
		if (isControl(character)) {
			if (text !== '') {
				keys.push({kind: 'text', text});
				text = '';
			}

			keys.push(fromControl(character));
		} else {
			text += character;
		}
	}

	if (text !== '') {
		keys.push({kind: 'text', text});
	}

	return keys;
}
