import {useEffect, useReducer} from 'react';
import {Box, Text, useApp, useInput} from 'ink';
import TextInput from 'ink-text-input';
import {ConnectError} from '../../client/connection.js';
import type {ChatSession} from '../session.js';
import {nameProblem, sanitizeText} from '../../protocol/index.js';
import {applyEdit} from '../state/edit.js';

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
	readonly user: string;
	readonly password: string;
	readonly error: string;
	readonly busy: boolean;
	/** Counts login attempts; a new value starts one. */
	readonly attempt: number;
	/** Remount key for the inputs when a value is set from here. */
	readonly version: number;
};

type Action =
	| {readonly type: 'edit'; readonly base: string; readonly next: string}
	| {readonly type: 'toggle'}
	| {readonly type: 'enter'}
	| {readonly type: 'failed'; readonly error: string; readonly field: Field};

function reducer(state: State, action: Action): State {
	switch (action.type) {
		case 'edit': {
			// Keys typed right after Enter can still reach the field that had focus: they belong to the focused one.
			const {value, stale} = applyEdit(state[state.field], action.base, action.next);
			return {...state, [state.field]: value, version: stale ? state.version + 1 : state.version};
		}

		case 'toggle': {
			return state.busy ? state : {...state, field: state.field === 'user' ? 'password' : 'user'};
		}

		case 'enter': {
			if (state.busy) {
				return state;
			}

			const problem = nameProblem(state.user.trim(), 'user');
			if (state.field === 'user' && state.user.trim() === '') {
				return state;
			}

			if (problem) {
				return {...state, field: 'user', error: problem};
			}

			if (state.password === '') {
				return {...state, field: 'password', error: ''};
			}

			return {...state, busy: true, error: '', attempt: state.attempt + 1};
		}

		case 'failed': {
			return {...state, busy: false, error: action.error, field: action.field, password: '', version: state.version + 1};
		}
	}
}

/** User name, masked password, errors inline; a failed attempt can be retried at once. */
export function LoginScreen({server, initialUser, login, onLoggedIn}: Props) {
	const {exit} = useApp();
	const [state, dispatch] = useReducer(reducer, {
		field: initialUser ? 'password' : 'user',
		user: initialUser ?? '',
		password: '',
		error: '',
		busy: false,
		attempt: 0,
		version: 0,
	});

	const {attempt, user, password} = state;
	useEffect(() => {
		if (attempt === 0) {
			return;
		}

		let current = true;
		login(user.trim().toLowerCase(), password).then(session => {
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

	useInput((text, key) => {
		if (key.ctrl && (text === 'c' || text === 'd')) {
			exit();
			return;
		}

		if (key.tab || key.upArrow || key.downArrow) {
			dispatch({type: 'toggle'});
		}
	});

	const active = !state.busy;
	const field = (name: Field, mask?: string) => {
		const value = state[name];
		return (
			<TextInput
				key={`${name}${state.version}`}
				value={value}
				mask={mask}
				focus={active && state.field === name}
				showCursor={state.field === name}
				onChange={next => {
					dispatch({type: 'edit', base: value, next});
				}}
				onSubmit={() => {
					dispatch({type: 'enter'});
				}}
			/>
		);
	};

	return (
		<Box flexDirection="column" paddingX={2} paddingY={1}>
			<Text bold color="cyan">natter</Text>
			<Text>{`Log in to ${server}`}</Text>
			<Box marginTop={1}>
				<Box width={11} flexShrink={0}><Text>User:</Text></Box>
				{field('user')}
			</Box>
			<Box>
				<Box width={11} flexShrink={0}><Text>Password:</Text></Box>
				{field('password', '*')}
			</Box>
			<Box marginTop={1} flexDirection="column">
				{state.busy ? <Text color="yellow">Logging in…</Text> : null}
				{state.error === '' ? null : <Text color="red">{sanitizeText(state.error)}</Text>}
				<Text dimColor>Enter: next / log in · Tab: other field · Ctrl+C: quit</Text>
			</Box>
		</Box>
	);
}
