import {useEffect, useReducer, useRef} from 'react';
import {Box, Text, useApp} from 'ink';
import {useTheme} from '../theme.js';
import {ConnectError} from '../../client/connection.js';
import type {ChatSession} from '../session.js';
import {nameProblem, sanitizeText} from '../../protocol/index.js';
import {useKeys} from '../hooks/use-keys.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import type {Key} from '../keys.js';
import {edit, type EditOperation, type Line} from '../state/line-editor.js';
import {InputLine} from './InputLine.js';

export type LoginAttempt = (user: string, password: string) => Promise<ChatSession>;

type Props = {
	readonly server: string;
	readonly initialUser?: string;
	readonly login: LoginAttempt;
	readonly onLoggedIn: (session: ChatSession) => void;
};

type Field = 'user' | 'password';

type State = {
	readonly field: Field;
	readonly user: Line;
	readonly password: Line;
	readonly error: string;
	/** Says what happened to a paste of several lines (only its first line is kept). */
	readonly notice: string;
	readonly busy: boolean;
	/** Counts login attempts; a new value starts one. */
	readonly attempt: number;
};

type Action =
	| {readonly type: 'edit'; readonly operation: EditOperation}
	| {readonly type: 'toggle'}
	| {readonly type: 'enter'}
	| {readonly type: 'paste_cut'}
	| {readonly type: 'failed'; readonly error: string; readonly field: Field};

const empty: Line = {value: '', cursor: 0};

/** The editing keys of the two fields (the chat line's, without history or completion). */
function operationOf(key: Key): EditOperation | undefined {
	switch (key.kind) {
		case 'text': {
			return {type: 'insert', text: key.text};
		}

		case 'backspace': {
			return {type: key.word ? 'backward_kill_word' : 'backspace'};
		}

		case 'delete': {
			return {type: 'delete'};
		}

		case 'left':
		case 'right': {
			return {type: key.word ? (key.kind === 'left' ? 'word_left' : 'word_right') : key.kind};
		}

		case 'home':
		case 'end': {
			return {type: key.kind === 'home' ? 'start' : 'end'};
		}

		case 'ctrl': {
			const byLetter: Record<string, EditOperation> = {a: {type: 'start'}, e: {type: 'end'}, w: {type: 'rubout_word'}, u: {type: 'kill_to_start'}, k: {type: 'kill_to_end'}, h: {type: 'backspace'}};
			return byLetter[key.letter];
		}

		default: {
			return undefined;
		}
	}
}

/**
The server counts attempts per connection, and every try here is a new connection: its "(2 attempts
left)" would be untrue.
*/
function loginError(message: string): string {
	return message.replace(/ \(\d+ attempts? left\)/, '');
}

function reducer(state: State, action: Action): State {
	switch (action.type) {
		case 'edit': {
			if (state.busy) {
				return state;
			}

			// Keys typed right after Enter belong to the field that has the focus by then.
			return {...state, [state.field]: edit(state[state.field], action.operation).line, notice: ''};
		}

		case 'paste_cut': {
			return state.busy ? state : {...state, notice: 'Only the first line of the paste was kept: check it, then press Enter.'};
		}

		case 'toggle': {
			return state.busy ? state : {...state, field: state.field === 'user' ? 'password' : 'user'};
		}

		case 'enter': {
			if (state.busy) {
				return state;
			}

			const problem = nameProblem(state.user.value.trim(), 'user');
			if (state.field === 'user' && state.user.value.trim() === '') {
				return state;
			}

			if (problem) {
				return {...state, field: 'user', error: problem};
			}

			if (state.password.value === '') {
				return {...state, field: 'password', error: ''};
			}

			return {...state, busy: true, error: '', notice: '', attempt: state.attempt + 1};
		}

		case 'failed': {
			return {...state, busy: false, error: loginError(action.error), field: action.field, password: empty};
		}
	}
}

/** User name, masked password, errors inline; a failed attempt can be retried at once. */
export function LoginScreen({server, initialUser, login, onLoggedIn}: Props) {
	const theme = useTheme();
	const {exit} = useApp();
	const [state, dispatch] = useReducer(reducer, {
		field: initialUser ? 'password' : 'user',
		user: {value: initialUser ?? '', cursor: (initialUser ?? '').length},
		password: empty,
		error: '',
		notice: '',
		busy: false,
		attempt: 0,
	});

	const {attempt, user, password} = state;
	useEffect(() => {
		if (attempt === 0) {
			return;
		}

		let current = true;
		login(user.value.trim().toLowerCase(), password.value).then(session => {
			if (current) {
				onLoggedIn(session);
			} else {
				session.destroy();
			}
		}, (error: unknown) => {
			const code = error instanceof ConnectError ? error.code : '';
			const message = error instanceof Error ? error.message : String(error);
			if (current) {
				dispatch({type: 'failed', error: message, field: code === 'auth_failed' ? 'password' : 'user'});
			}
		});
		return () => {
			current = false;
		};
		// Only a new attempt starts a login; the values are read as they were when Enter was pressed.
	}, [attempt]);

	// A (bracketed) paste never submits a field: only its first line goes in (a password manager's
	// entry may end with a line break; a log pasted by mistake must not become a login attempt).
	const paste = useRef<{cut: boolean} | undefined>(undefined);
	const pasteCut = () => {
		if (paste.current && !paste.current.cut) {
			paste.current.cut = true;
			dispatch({type: 'paste_cut'});
		}
	};

	useKeys(keys => {
		for (const key of keys) {
			if (key.kind === 'ctrl' && (key.letter === 'c' || key.letter === 'd')) {
				exit();
				return;
			}

			if (key.kind === 'paste_start') {
				paste.current = {cut: false};
				continue;
			}

			if (key.kind === 'paste_end') {
				paste.current = undefined;
				continue;
			}

			if (paste.current) {
				if (key.kind === 'enter') {
					pasteCut();
				} else if (key.kind === 'text' && !paste.current.cut) {
					dispatch({type: 'edit', operation: {type: 'insert', text: key.text}});
				}

				continue;
			}

			if (key.kind === 'tab' || key.kind === 'backtab' || key.kind === 'up' || key.kind === 'down') {
				dispatch({type: 'toggle'});
			} else if (key.kind === 'enter') {
				dispatch({type: 'enter'});
			} else {
				const operation = operationOf(key);
				if (operation) {
					dispatch({type: 'edit', operation});
				}
			}
		}
	});

	// The padding (2 + 2) and the label (11) take the rest of the terminal's width.
	const {columns} = useTerminalSize();
	const fieldWidth = Math.max(4, Math.min(60, columns - 16));
	const field = (name: Field, mask = false) => {
		const {value, cursor} = state[name];
		return <InputLine value={value} cursor={cursor} width={fieldWidth} mask={mask} focused={!state.busy && state.field === name}/>;
	};

	return (
		<Box flexDirection="column" paddingX={2} paddingY={1}>
			<Text bold color={theme.status}>natter</Text>
			<Text>{`Log in to ${server}`}</Text>
			<Box marginTop={1}>
				<Box width={11} flexShrink={0}><Text>User:</Text></Box>
				{field('user')}
			</Box>
			<Box>
				<Box width={11} flexShrink={0}><Text>Password:</Text></Box>
				{field('password', true)}
			</Box>
			<Box marginTop={1} flexDirection="column">
				{state.busy ? <Text color={theme.notice}>Logging in…</Text> : null}
				{state.error === '' ? null : <Text color={theme.error}>{sanitizeText(state.error)}</Text>}
				{state.notice === '' ? null : <Text color={theme.notice}>{state.notice}</Text>}
				<Text dimColor>Enter: next / log in · Tab: other field · Ctrl+C: quit</Text>
			</Box>
		</Box>
	);
}
