import {complete, type CompletionSources} from './completion.js';
import {applyEdit, insertedLetter} from './edit.js';

export type Outgoing = {
	readonly seq: number;
	readonly value: string;
	/** The conversation open when Enter was pressed (set by the screen reducer). */
	readonly target?: string;
};

export type InputState = {
	readonly value: string;
	/** Bumped when the value is set from outside the text input, to remount it (it keeps a stale cursor otherwise). */
	readonly version: number;
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
	/** The last change from the text input, to undo a Ctrl+letter it inserted. */
	readonly lastChange: {readonly tick: number; readonly previous: string} | undefined;
	/** A Ctrl+letter shortcut seen before the text input's matching change arrived. */
	readonly swallow: {readonly tick: number; readonly letter: string} | undefined;
};

export type InputAction =
	/** From the text input: `base` is the value it was rendered with, `next` what the key made of it. */
	| {readonly type: 'change'; readonly base: string; readonly next: string; readonly tick: number}
	/** A Ctrl+letter shortcut: ink-text-input inserts the bare letter, which this takes back out. */
	| {readonly type: 'shortcut'; readonly letter: string; readonly tick: number}
	/** Enter: the current value goes to the outbox (the value the text input reports may be stale). */
	| {readonly type: 'submit'}
	| {readonly type: 'taken'; readonly upTo: number}
	| {readonly type: 'history'; readonly step: -1 | 1}
	| {readonly type: 'complete'; readonly sources: CompletionSources};

export const inputHistoryLimit = 200;

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001F\u007F-\u009F]/g;

export const initialInputState: InputState = {
	value: '',
	version: 0,
	history: [],
	historyIndex: -1,
	draft: '',
	completion: undefined,
	outbox: [],
	nextSeq: 1,
	lastChange: undefined,
	swallow: undefined,
};

function setValue(state: InputState, value: string): InputState {
	return {...state, value, version: state.version + 1, completion: undefined, lastChange: undefined, swallow: undefined};
}

export function inputReducer(state: InputState, action: InputAction): InputState {
	switch (action.type) {
		case 'change': {
			if (state.swallow?.tick === action.tick && insertedLetter(action.base, action.next, state.swallow.letter)) {
				// Same key event as the shortcut: the letter is not text. Remount to put the cursor back in step.
				return setValue(state, state.value);
			}

			const edited = applyEdit(state.value, action.base, action.next);
			// Pasted control characters are not text (and a carriage return would move the cursor when shown).
			const value = edited.value.replaceAll('\t', ' ').replace(controlCharacters, '');
			const stale = edited.stale || value !== edited.value;
			const next = {...state, value, completion: undefined, swallow: undefined, lastChange: {tick: action.tick, previous: state.value}};
			// A stale input also has a stale cursor: remount it (the cursor goes to the end).
			return stale ? {...next, version: state.version + 1} : next;
		}

		case 'shortcut': {
			if (state.lastChange?.tick === action.tick && insertedLetter(state.lastChange.previous, state.value, action.letter)) {
				return setValue(state, state.lastChange.previous);
			}

			return {...state, swallow: {tick: action.tick, letter: action.letter}};
		}

		case 'submit': {
			const {value} = state;
			if (value.trim() === '') {
				return state;
			}

			const history = state.history.at(-1) === value ? state.history : [...state.history, value].slice(-inputHistoryLimit);
			return {
				...setValue(state, ''),
				history,
				historyIndex: -1,
				draft: '',
				outbox: [...state.outbox, {seq: state.nextSeq, value}],
				nextSeq: state.nextSeq + 1,
			};
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
			const cycling = state.completion;
			if (cycling && state.value === cycling.head + cycling.candidates[cycling.index]) {
				const index = (cycling.index + 1) % cycling.candidates.length;
				return {...setValue(state, cycling.head + cycling.candidates[index]), completion: {...cycling, index}};
			}

			const found = complete(state.value, action.sources);
			if (!found) {
				return state;
			}

			const next = setValue(state, found.head + found.candidates[0]);
			return found.candidates.length > 1 ? {...next, completion: {...found, index: 0}} : next;
		}
	}
}
