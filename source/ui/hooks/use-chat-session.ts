import {useEffect, useRef, type Dispatch} from 'react';
import {parseCommand, type ServerEvent} from '../../protocol/index.js';
import type {ChatSession, SessionState} from '../session.js';
import type {ChatAction} from '../state/chat-reducer.js';
import {resumePoints} from '../state/conversations.js';
import type {ChatState} from '../state/types.js';

function describe(state: SessionState): ChatAction {
	switch (state.state) {
		case 'online': {
			return {type: 'connection', state: 'online'};
		}

		case 'reconnecting': {
			const seconds = (state.retryInMs / 1000).toFixed(state.retryInMs < 1000 ? 1 : 0);
			// The countdown first: a narrow status line shortens the reason, not the retry.
			return {type: 'connection', state: 'reconnecting', detail: `retry ${state.attempt} in ${seconds} s: ${state.reason}`};
		}

		case 'offline': {
			return {type: 'connection', state: 'offline', detail: state.reason};
		}
	}
}

/**
The lines that bring the server back in line with the view after a (re)login: every group the
view has a conversation for but the server no longer counts us in (it restarted and forgot its
groups) is joined again, or created when it is gone.
*/
export function groupRestoreLines(view: ChatState, serverGroups: ReadonlyArray<{name: string; joined: boolean}>): string[] {
	const onServer = new Map(serverGroups.map(group => [group.name, group.joined]));
	return Object.values(view.conversations)
		.filter(conversation => conversation.kind === 'group' && onServer.get(conversation.name) !== true)
		.map(conversation => `${onServer.has(conversation.name) ? '/join_group' : '/create_group'} ${conversation.name}`);
}

/** Groups whose members are fetched at each login; others are fetched when opened. */
const membersFetchedAtLogin = 20;

/**
Feed a session's events, state and lag into the chat reducer; on every login refresh users and
groups and restore the view's groups; on every reconnect resume from what the view holds.
*/
export function useChatSession(session: ChatSession, dispatch: Dispatch<ChatAction>, view: () => ChatState): void {
	// Read at login time; kept in a ref so a new function each render does not restart the session.
	const viewRef = useRef(view);
	viewRef.current = view;
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

		/** Sent by the client itself: the reply updates the view but prints nothing. */
		const sendSilently = async (line: string) => {
			const parsed = parseCommand(line);
			if (!parsed.ok) {
				return undefined;
			}

			const reply = await session.send(line);
			dispatch({type: 'reply', command: parsed.command, reply, silent: true});
			return reply;
		};

		const onOnline = () => {
			const restore = async () => {
				const before = viewRef.current();
				const groups = await sendSilently('/groups');
				if (groups?.type === 'ok' && groups.command === 'groups') {
					await Promise.all(groupRestoreLines(before, groups.groups).map(sendSilently));
				}

				await sendSilently('/users');
				// Who is in each of my groups (the group panel, and "went offline" in the groups they are in).
				const mine = Object.values(viewRef.current().conversations).filter(conversation => conversation.kind === 'group');
				await Promise.all(mine.slice(0, membersFetchedAtLogin).map(async conversation => sendSilently(`/members ${conversation.name}`)));
			};

			restore().catch(() => {
				// The connection dropped again; the next login restores.
			});
		};

		// A reconnect resumes from the newest message the view holds in each conversation.
		session.resumePoints = () => resumePoints(viewRef.current());
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
			session.resumePoints = undefined;
		};
	}, [session, dispatch]);
}
