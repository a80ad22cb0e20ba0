import {Buffer} from 'node:buffer';
import {MAX_LINE_BYTES, MAX_TEXT_LENGTH} from '../../protocol/index.js';
import {complete, type CompletionSources} from './completion.js';
import {edit, type EditOperation} from './line-editor.js';

export type Outgoing = {
	readonly seq: number;
	readonly value: string;
	/** The conversation open when Enter was pressed (set by the screen reducer). */
	readonly target?: string;
	/** A pasted line: plain text for the open conversation, even when it starts with `/`. */
	readonly literal?: boolean;
};

export type InputState = {
	readonly value: string;
	/** Where the cursor is in `value` (a UTF-16 offset between two grapheme clusters). */
	readonly cursor: number;
	/** Sent lines, oldest first. */
	readonly history: readonly string[];
	/** Index into history while recalling; -1 while editing the draft. */
	readonly historyIndex: number;
	readonly draft: string;
	/** Present while Tab cycles: the candidates and the one shown. */
	readonly completion: {readonly head: string; readonly candidates: readonly string[]; readonly index: number} | undefined;
	/** Lines submitted and not yet handed to the sender, oldest first. */
	readonly outbox: readonly Outgoing[];
	readonly nextSeq: number;
	/** The text the last kill (Ctrl+W, Ctrl+U, Ctrl+K, Alt+D, Alt+Backspace) took: Ctrl+Y puts it back. */
	readonly killed: string;
	/** A bracketed paste in progress: the text so far. */
	readonly pasting: string | undefined;
	/** A paste of several lines, waiting for Enter (send them all) or Esc (drop them). */
	readonly pasted: readonly string[] | undefined;
};

export type InputAction =
	| {readonly type: 'edit'; readonly operation: EditOperation}
	| {readonly type: 'yank'}
	/** Enter: the line goes to the outbox (or, with a paste waiting, every pasted line). */
	| {readonly type: 'submit'}
	/** Ctrl+D on an empty line, or a command that leaves: `/exit` goes to the outbox. */
	| {readonly type: 'leave'}
	| {readonly type: 'taken'; readonly upTo: number}
	| {readonly type: 'history'; readonly step: -1 | 1}
	| {readonly type: 'complete'; readonly sources: CompletionSources}
	| {readonly type: 'paste_start'}
	| {readonly type: 'paste_text'; readonly text: string}
	| {readonly type: 'paste_end'}
	/** Esc: a waiting paste is dropped; otherwise Tab cycling stops. */
	| {readonly type: 'cancel'};

export const inputHistoryLimit = 200;

/** A paste longer than this many characters is cut here (and says so): memory stays bounded. */
export const maxPasteLength = 1024 * 1024;

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

export const initialInputState: InputState = {
	value: '',
	cursor: 0,
	history: [],
	historyIndex: -1,
	draft: '',
	completion: undefined,
	outbox: [],
	nextSeq: 1,
	killed: '',
	pasting: undefined,
	pasted: undefined,
};

function setValue(state: InputState, value: string): InputState {
	return {...state, value, cursor: value.length, completion: undefined};
}

function enqueue(state: InputState, items: ReadonlyArray<Omit<Outgoing, 'seq'>>): InputState {
	const outbox = [...state.outbox];
	let seq = state.nextSeq;
	for (const item of items) {
		outbox.push({...item, seq: seq++});
	}

	return {...state, outbox, nextSeq: seq};
}

/** How far back from the limit a cut looks for a space to cut at. */
const cutLookBack = 200;

/** Bytes a piece's text may take in its JSON line (the rest of the line: the command, the conversation, the framing). */
const pieceBytes = MAX_LINE_BYTES - 512;

function isHighSurrogate(code: number): boolean {
	return code >= 0xD8_00 && code <= 0xDB_FF;
}

function jsonBytes(text: string): number {
	return Buffer.byteLength(JSON.stringify(text));
}

/**
A line longer than a message may be goes as several messages: each at most MAX_TEXT_LENGTH
characters and small enough for the line limit in UTF-8 (CJK text reaches that first), cut at the
last space before the limit when there is one near it, never inside a surrogate pair (an emoji).
*/
export function messageSized(line: string): string[] {
	const pieces: string[] = [];
	let start = 0;
	for (;;) {
		let end = Math.min(line.length, start + MAX_TEXT_LENGTH);
		let bytes = jsonBytes(line.slice(start, end));
		while (bytes > pieceBytes) {
			end = start + Math.max(1, Math.floor((end - start) * pieceBytes / bytes));
			bytes = jsonBytes(line.slice(start, end));
		}

		if (end >= line.length) {
			break;
		}

		const space = line.lastIndexOf(' ', end - 1);
		if (space > end - cutLookBack && space > start) {
			end = space + 1;
		} else if (isHighSurrogate(line.charCodeAt(end - 1))) {
			end--;
		}

		pieces.push(line.slice(start, end));
		start = end;
	}

	pieces.push(line.slice(start));
	return pieces;
}

/** The lines of a finished paste: line ends of every kind, tabs as spaces, no control characters, no blank lines at the ends. */
export function pastedLines(text: string): string[] {
	const lines = text.replaceAll('\r\n', '\n').replaceAll('\r', '\n').replaceAll('\t', ' ').replace(controlCharacters, '').split('\n');
	while (lines.length > 0 && lines[0]!.trim() === '') {
		lines.shift();
	}

	while (lines.length > 0 && lines.at(-1)!.trim() === '') {
		lines.pop();
	}

	return lines;
}

export function inputReducer(state: InputState, action: InputAction): InputState {
	switch (action.type) {
		case 'edit': {
			const {line, killed} = edit(state, action.operation);
			if (line.value === state.value && line.cursor === state.cursor) {
				return state;
			}

			return {...state, value: line.value, cursor: line.cursor, completion: undefined, killed: killed ?? state.killed};
		}

		case 'yank': {
			if (state.killed === '') {
				return state;
			}

			return inputReducer(state, {type: 'edit', operation: {type: 'insert', text: state.killed}});
		}

		case 'submit': {
			if (state.pasted) {
				const lines = state.pasted.filter(line => line.trim() !== '').flatMap(line => messageSized(line));
				return {...enqueue(state, lines.map(value => ({value, literal: true}))), pasted: undefined};
			}

			const {value} = state;
			if (value.trim() === '') {
				return state;
			}

			const history = state.history.at(-1) === value ? state.history : [...state.history, value].slice(-inputHistoryLimit);
			// Text longer than a message may be goes as several, as a pasted line does; a command is the server's to judge.
			const pieces = value.startsWith('/') ? [value] : messageSized(value);
			const items = pieces.length === 1 ? [{value}] : pieces.map(piece => ({value: piece, literal: true}));
			return {...enqueue(setValue(state, ''), items), history, historyIndex: -1, draft: ''};
		}

		case 'leave': {
			return enqueue(state, [{value: '/exit'}]);
		}

		case 'taken': {
			return {...state, outbox: state.outbox.filter(item => item.seq > action.upTo)};
		}

		case 'history': {
			if (state.history.length === 0) {
				return state;
			}

			if (action.step === -1) {
				const index = state.historyIndex === -1 ? state.history.length - 1 : Math.max(0, state.historyIndex - 1);
				const draft = state.historyIndex === -1 ? state.value : state.draft;
				return {...setValue(state, state.history[index]!), historyIndex: index, draft};
			}

			if (state.historyIndex === -1) {
				return state;
			}

			const index = state.historyIndex + 1;
			if (index >= state.history.length) {
				return {...setValue(state, state.draft), historyIndex: -1, draft: ''};
			}

			return {...setValue(state, state.history[index]!), historyIndex: index};
		}

		case 'complete': {
			// Completion works on the text before the cursor; what follows it stays.
			const before = state.value.slice(0, state.cursor);
			const after = state.value.slice(state.cursor);
			const cycling = state.completion;
			if (cycling && before === cycling.head + cycling.candidates[cycling.index]) {
				const index = (cycling.index + 1) % cycling.candidates.length;
				const head = cycling.head + cycling.candidates[index]!;
				return {...state, value: head + after, cursor: head.length, completion: {...cycling, index}};
			}

			const found = complete(before, action.sources);
			if (!found) {
				return state;
			}

			const head = found.head + found.candidates[0]!;
			return {...state, value: head + after, cursor: head.length, completion: found.candidates.length > 1 ? {...found, index: 0} : undefined};
		}

		case 'paste_start': {
			return {...state, pasting: '', completion: undefined};
		}

		case 'paste_text': {
			if (state.pasting === undefined) {
				return inputReducer(state, {type: 'edit', operation: {type: 'insert', text: action.text.replace(controlCharacters, '')}});
			}

			if (state.pasting.length >= maxPasteLength) {
				return state;
			}

			return {...state, pasting: (state.pasting + action.text).slice(0, maxPasteLength)};
		}

		case 'paste_end': {
			if (state.pasting === undefined) {
				return state;
			}

			const lines = pastedLines(state.pasting);
			const done = {...state, pasting: undefined};
			if (lines.length <= 1) {
				return inputReducer(done, {type: 'edit', operation: {type: 'insert', text: lines[0] ?? ''}});
			}

			return {...done, pasted: lines};
		}

		case 'cancel': {
			if (state.pasted) {
				return {...state, pasted: undefined};
			}

			return state.completion ? {...state, completion: undefined} : state;
		}
	}
}
