import type {Key} from '../keys.js';
import {chatReducer, initialChatState, type ChatAction} from './chat-reducer.js';
import {conversationOrder} from './conversations.js';
import {initialInputState, inputReducer, type InputAction} from './input-reducer.js';
import type {EditOperation} from './line-editor.js';
import type {ChatState} from './types.js';
import type {InputState} from './input-reducer.js';

/** The chat view and the input line in one state, so a burst of keys sees one consistent order of events. */
export type ScreenState = {readonly chat: ChatState; readonly input: InputState};

/** What a key needs to know of the view: how far a page scrolls, how many message rows show, how many lines fit at the top. */
export type ViewSize = {readonly pageSize: number; readonly rows: number; readonly topLines?: number};

export type ScreenAction =
	| ChatAction
	| Exclude<InputAction, {type: 'complete'}>
	/** Tab: completes from the users and groups the chat state knows. */
	| {readonly type: 'complete'}
	/** One key from the terminal (see keys.ts). */
	| {readonly type: 'key'; readonly key: Key; readonly view: ViewSize};

export function initialScreenState(chat: ChatState): ScreenState {
	return {chat, input: initialInputState};
}

export {initialChatState};

const ctrlEdits: Readonly<Record<string, EditOperation>> = {
	a: {type: 'start'},
	e: {type: 'end'},
	b: {type: 'left'},
	f: {type: 'right'},
	h: {type: 'backspace'},
	w: {type: 'rubout_word'},
	u: {type: 'kill_to_start'},
	k: {type: 'kill_to_end'},
};

const altEdits: Readonly<Record<string, EditOperation>> = {
	b: {type: 'word_left'},
	f: {type: 'word_right'},
	d: {type: 'kill_word'},
};

/** Alt+A: the next conversation with a mention, else the next with unread messages, after the open one. */
function nextUnread(chat: ChatState): string | undefined {
	const order = conversationOrder(chat);
	const start = order.indexOf(chat.active);
	const after = [...order.slice(start + 1), ...order.slice(0, start)];
	return after.find(key => chat.conversations[key]!.mentions > 0) ?? after.find(key => chat.conversations[key]!.unread > 0);
}

function input(state: ScreenState, action: InputAction): ScreenState {
	const next = inputReducer(state.input, action);
	return next === state.input ? state : {...state, input: next};
}

function chat(state: ScreenState, action: ChatAction): ScreenState {
	const next = chatReducer(state.chat, action);
	return next === state.chat ? state : {...state, chat: next};
}

function onKey(state: ScreenState, key: Key, view: ViewSize): ScreenState {
	const scroll = (to: 'page_up' | 'page_down' | 'top' | 'bottom') => chat(state, {type: 'scroll', to, pageSize: view.pageSize, rows: view.rows, ...(view.topLines === undefined ? {} : {topLines: view.topLines})});
	if (state.input.pasting !== undefined) {
		// Inside a bracketed paste every key is text, line ends included, until the paste ends.
		switch (key.kind) {
			case 'text': {
				return input(state, {type: 'paste_text', text: key.text});
			}

			case 'enter': {
				return input(state, {type: 'paste_text', text: key.raw});
			}

			case 'tab': {
				return input(state, {type: 'paste_text', text: '\t'});
			}

			case 'paste_end': {
				return input(state, {type: 'paste_end'});
			}

			default: {
				return state;
			}
		}
	}

	if (state.input.pasted) {
		// A paste of several lines waits: Enter sends it, Esc drops it; the view still scrolls.
		switch (key.kind) {
			case 'enter': {
				return screenReducer(state, {type: 'submit'});
			}

			case 'escape': {
				return input(state, {type: 'cancel'});
			}

			case 'page_up':
			case 'page_down': {
				return scroll(key.far ? (key.kind === 'page_up' ? 'top' : 'bottom') : key.kind);
			}

			default: {
				return state;
			}
		}
	}

	switch (key.kind) {
		case 'text': {
			return input(state, {type: 'edit', operation: {type: 'insert', text: key.text}});
		}

		case 'enter': {
			return screenReducer(state, {type: 'submit'});
		}

		case 'tab': {
			return screenReducer(state, {type: 'complete'});
		}

		case 'escape': {
			return input(state, {type: 'cancel'});
		}

		case 'backspace': {
			return input(state, {type: 'edit', operation: {type: key.word ? 'backward_kill_word' : 'backspace'}});
		}

		case 'delete': {
			return input(state, {type: 'edit', operation: {type: 'delete'}});
		}

		case 'left':
		case 'right': {
			const type = key.word ? (key.kind === 'left' ? 'word_left' : 'word_right') : key.kind;
			return input(state, {type: 'edit', operation: {type}});
		}

		case 'up':
		case 'down': {
			return input(state, {type: 'history', step: key.kind === 'up' ? -1 : 1});
		}

		case 'home':
		case 'end': {
			// On a line being typed they move the cursor; on an empty one (or with Ctrl) they scroll.
			if (!key.far && state.input.value !== '') {
				return input(state, {type: 'edit', operation: {type: key.kind === 'home' ? 'start' : 'end'}});
			}

			return scroll(key.kind === 'home' ? 'top' : 'bottom');
		}

		case 'page_up':
		case 'page_down': {
			return scroll(key.far ? (key.kind === 'page_up' ? 'top' : 'bottom') : key.kind);
		}

		case 'ctrl': {
			const operation = ctrlEdits[key.letter];
			if (operation) {
				return input(state, {type: 'edit', operation});
			}

			switch (key.letter) {
				case 'd': {
					return state.input.value === '' ? input(state, {type: 'leave'}) : input(state, {type: 'edit', operation: {type: 'delete'}});
				}

				case 'y': {
					return input(state, {type: 'yank'});
				}

				case 'n':
				case 'p': {
					return chat(state, {type: 'switch', step: key.letter === 'n' ? 1 : -1});
				}

				default: {
					return state;
				}
			}
		}

		case 'alt': {
			const operation = altEdits[key.letter];
			if (operation) {
				return input(state, {type: 'edit', operation});
			}

			if (/^\d$/.test(key.letter)) {
				// Alt+1 is the first conversation of the list … Alt+9 the ninth, Alt+0 the tenth.
				const target = conversationOrder(state.chat)[(Number(key.letter) + 9) % 10];
				return target === undefined ? state : chat(state, {type: 'select', key: target});
			}

			if (key.letter === 'a') {
				const target = nextUnread(state.chat);
				return target === undefined ? state : chat(state, {type: 'select', key: target});
			}

			return state;
		}

		case 'paste_start': {
			return input(state, {type: 'paste_start'});
		}

		case 'backtab':
		case 'paste_end':
		case 'focus':
		case 'unknown': {
			return state;
		}
	}
}

export function screenReducer(state: ScreenState, action: ScreenAction): ScreenState {
	switch (action.type) {
		case 'key': {
			return onKey(state, action.key, action.view);
		}

		case 'edit':
		case 'yank':
		case 'leave':
		case 'taken':
		case 'history':
		case 'paste_start':
		case 'paste_text':
		case 'paste_end':
		case 'cancel': {
			return input(state, action);
		}

		case 'submit': {
			const next = inputReducer(state.input, action);
			if (next.outbox.length === state.input.outbox.length) {
				return next === state.input ? state : {...state, input: next};
			}

			// Every line this Enter queued goes to the conversation open now.
			const outbox = next.outbox.map(item => (item.seq >= state.input.nextSeq ? {...item, target: state.chat.active} : item));
			return {...state, input: {...next, outbox}};
		}

		case 'complete': {
			const {chat: view} = state;
			return input(state, {
				type: 'complete',
				sources: {users: view.knownUsers.filter(name => name !== view.me), groups: view.knownGroups},
			});
		}

		default: {
			return chat(state, action);
		}
	}
}
