import {useEffect, type Dispatch} from 'react';
import {parseCommand} from '../../protocol/index.js';
import type {ChatSession} from '../session.js';
import type {ChatAction} from '../state/chat-reducer.js';
import type {HistoryRequest} from '../state/types.js';

/** Send the /history pages the view asks for; each reply (or failure) goes back to the reducer. */
export function useHistoryRequests(session: ChatSession, requests: readonly HistoryRequest[], dispatch: Dispatch<ChatAction>): void {
	useEffect(() => {
		if (requests.length === 0) {
			return;
		}

		for (const request of requests) {
			const parsed = parseCommand(request.line);
			if (!parsed.ok || parsed.command.type !== 'history') {
				continue;
			}

			const command = parsed.command;
			session.send(request.line).then(reply => {
				dispatch({type: 'reply', command, reply, silent: true});
			}, () => {
				// Not connected: asked again after the next login (or the next PageUp).
				dispatch({type: 'history_failed', command});
			});
		}

		dispatch({type: 'requests_taken', upTo: requests.at(-1)!.id});
	}, [session, requests, dispatch]);
}
