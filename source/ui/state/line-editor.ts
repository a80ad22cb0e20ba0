import {graphemes} from '../text-width.js';

/** The input line: its text and the cursor (a UTF-16 offset, always between two grapheme clusters). */
export type Line = {readonly value: string; readonly cursor: number};

/** What the editing keys do (readline's names and bindings, see docs/tui.md). */
export type EditOperation =
	| {readonly type: 'insert'; readonly text: string}
	| {readonly type: 'backspace'}
	| {readonly type: 'delete'}
	| {readonly type: 'left'}
	| {readonly type: 'right'}
	| {readonly type: 'word_left'}
	| {readonly type: 'word_right'}
	| {readonly type: 'start'}
	| {readonly type: 'end'}
	/** Ctrl+W: back to the previous space. */
	| {readonly type: 'rubout_word'}
	/** Alt+Backspace: back to the start of the word (letters and digits). */
	| {readonly type: 'backward_kill_word'}
	/** Alt+D: to the end of the word. */
	| {readonly type: 'kill_word'}
	/** Ctrl+U */
	| {readonly type: 'kill_to_start'}
	/** Ctrl+K */
	| {readonly type: 'kill_to_end'};

export type EditResult = {readonly line: Line; readonly killed?: string};

const wordCharacter = /[\p{L}\p{N}_]/u;

/** Offsets of every grapheme boundary of `value`, 0 and value.length included. */
function boundaries(value: string): number[] {
	const offsets = [0];
	let at = 0;
	for (const grapheme of graphemes(value)) {
		at += grapheme.length;
		offsets.push(at);
	}

	return offsets;
}

function previousBoundary(value: string, cursor: number): number {
	const offsets = boundaries(value);
	for (let index = offsets.length - 1; index >= 0; index--) {
		if (offsets[index]! < cursor) {
			return offsets[index]!;
		}
	}

	return 0;
}

function nextBoundary(value: string, cursor: number): number {
	return boundaries(value).find(offset => offset > cursor) ?? value.length;
}

function wordStart(value: string, cursor: number, isWord: (character: string) => boolean): number {
	let at = cursor;
	while (at > 0 && !isWord(value[at - 1]!)) {
		at--;
	}

	while (at > 0 && isWord(value[at - 1]!)) {
		at--;
	}

	return at;
}

function wordEnd(value: string, cursor: number): number {
	let at = cursor;
	while (at < value.length && !wordCharacter.test(value[at]!)) {
		at++;
	}

	while (at < value.length && wordCharacter.test(value[at]!)) {
		at++;
	}

	return at;
}

function cut(line: Line, from: number, to: number): EditResult {
	if (from === to) {
		return {line};
	}

	return {line: {value: line.value.slice(0, from) + line.value.slice(to), cursor: from}, killed: line.value.slice(from, to)};
}

/** Pure: the line after one editing operation, and the text it killed (for Ctrl+Y). */
export function edit(line: Line, operation: EditOperation): EditResult {
	const {value, cursor} = line;
	switch (operation.type) {
		case 'insert': {
			return {line: {value: value.slice(0, cursor) + operation.text + value.slice(cursor), cursor: cursor + operation.text.length}};
		}

		case 'backspace': {
			return {line: cut(line, previousBoundary(value, cursor), cursor).line};
		}

		case 'delete': {
			return {line: cut(line, cursor, nextBoundary(value, cursor)).line};
		}

		case 'left': {
			return {line: {value, cursor: previousBoundary(value, cursor)}};
		}

		case 'right': {
			return {line: {value, cursor: nextBoundary(value, cursor)}};
		}

		case 'word_left': {
			return {line: {value, cursor: wordStart(value, cursor, character => wordCharacter.test(character))}};
		}

		case 'word_right': {
			return {line: {value, cursor: wordEnd(value, cursor)}};
		}

		case 'start': {
			return {line: {value, cursor: 0}};
		}

		case 'end': {
			return {line: {value, cursor: value.length}};
		}

		case 'rubout_word': {
			return cut(line, wordStart(value, cursor, character => character !== ' '), cursor);
		}

		case 'backward_kill_word': {
			return cut(line, wordStart(value, cursor, character => wordCharacter.test(character)), cursor);
		}

		case 'kill_word': {
			return cut(line, cursor, wordEnd(value, cursor));
		}

		case 'kill_to_start': {
			return cut(line, 0, cursor);
		}

		case 'kill_to_end': {
			return cut(line, cursor, value.length);
		}
	}
}
