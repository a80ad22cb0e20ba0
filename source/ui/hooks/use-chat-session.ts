import {useEffect, type Dispatch} from 'react';
import {parseCommand, type ServerEvent} from '../../protocol/index.js';
import type {ChatSession, SessionState} from '../session.js';
import type {ChatAction} from '../state/chat-reducer.js';

function describe(state: SessionState): ChatAction {
	switch (state.state) {
		case 'online': {
			return {type: 'connection', state: 'online'};
		}

		case 'reconnecting': {
			const seconds = (state.retryInMs / 1000).toFixed(state.retryInMs < 1000 ? 1 : 0);
			return {type: 'connection', state: 'reconnecting', detail: `${state.reason}; retry ${state.attempt} in ${seconds} s`};
		}

		case 'offline': {
			return {type: 'connection', state: 'offline', detail: state.reason};
		}
	}
}

/** Lines the client sends itself whenever it (re)logs in, to restore the panel. */
const refreshLines = ['/groups', '/users'];

/** Feed a session's events, state and lag into the chat reducer, and refresh groups and users on every login. */
export function useChatSession(session: ChatSession, dispatch: Dispatch<ChatAction>): void {
	useEffect(() => {
		const onEvents = (events: ServerEvent[]) => {
			dispatch({type: 'server_events', events});
		};

		const onState = (state: SessionState) => {
			dispatch(describe(state));
		};

		const onLag = (ms: number) => {
			dispatch({type: 'lag', ms});
		};

		const onOnline = () => {
			for (const line of refreshLines) {
				const parsed = parseCommand(line);
				if (!parsed.ok) {
					continue;
				}

				session.send(line).then(reply => {
					dispatch({type: 'reply', command: parsed.command, reply, silent: true});
				}, () => {
					// The connection dropped again; the next login refreshes.
				});
			}
		};

		session.on('events', onEvents);
		session.on('state', onState);
		session.on('lag', onLag);
		session.on('online', onOnline);
		dispatch(describe(session.state));
		session.start();
		return () => {
			session.off('events', onEvents);
			session.off('state', onState);
			session.off('lag', onLag);
			session.off('online', onOnline);
		};
	}, [session, dispatch]);
}
