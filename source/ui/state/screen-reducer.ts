import {chatReducer, initialChatState, type ChatAction} from './chat-reducer.js';
import {initialInputState, inputReducer, type InputAction} from './input-reducer.js';
import type {ChatState} from './types.js';
import type {InputState} from './input-reducer.js';

/** The chat view and the input line in one state, so a burst of keys sees one consistent order of events. */
export type ScreenState = {readonly chat: ChatState; readonly input: InputState};

export type ScreenAction =
	| ChatAction
	| Exclude<InputAction, {type: 'complete'}>
	/** Tab: completes from the users and groups the chat state knows. */
	| {readonly type: 'complete'};

export function initialScreenState(chat: ChatState): ScreenState {
	return {chat, input: initialInputState};
}

export {initialChatState};

export function screenReducer(state: ScreenState, action: ScreenAction): ScreenState {
	switch (action.type) {
		case 'change':
		case 'shortcut':
		case 'taken':
		case 'history': {
			const input = inputReducer(state.input, action);
			return input === state.input ? state : {...state, input};
		}

		case 'submit': {
			const input = inputReducer(state.input, action);
			if (input.outbox.length === state.input.outbox.length) {
				return input === state.input ? state : {...state, input};
			}

			const last = input.outbox.at(-1)!;
			return {...state, input: {...input, outbox: [...input.outbox.slice(0, -1), {...last, target: state.chat.active}]}};
		}

		case 'complete': {
			const {chat} = state;
			const input = inputReducer(state.input, {
				type: 'complete',
				sources: {users: chat.knownUsers.filter(name => name !== chat.me), groups: chat.knownGroups},
			});
			return input === state.input ? state : {...state, input};
		}

		default: {
			const chat = chatReducer(state.chat, action);
			return chat === state.chat ? state : {...state, chat};
		}
	}
}
