import {useEffect, useRef, type Dispatch} from 'react';
import type {ChatSession} from '../session.js';
import type {ChatAction} from '../state/chat-reducer.js';
import type {ChatState, ConversationKey} from '../state/types.js';

/** How long the view must rest before a moved read marker is sent (scrolling or a burst sends one, not many). */
export const readMarkerDelayMs = 250;

/**
Tell the server how far the user has read: for every conversation whose `readSeq` passed the
marker the server holds, a `mark_read` after a short rest, only forward. The server passes it on
to the user's other sessions, so their unread counts drop too.
*/
export function useReadMarkers(session: ChatSession, state: ChatState, dispatch: Dispatch<ChatAction>): void {
	const latest = useRef(state);
	latest.current = state;
	/** Markers sent and not answered yet, per conversation. */
	const inFlight = useRef(new Map<ConversationKey, number>());
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);

	const behind = Object.values(state.conversations).some(conversation => conversation.readSeq > conversation.markedSeq
		&& conversation.readSeq > (inFlight.current.get(conversation.key) ?? -1));
	const online = state.connection === 'online';

	useEffect(() => {
		if (!behind || !online || timer.current) {
			return;
		}

		timer.current = setTimeout(() => {
			timer.current = undefined;
			for (const conversation of Object.values(latest.current.conversations)) {
				const seq = conversation.readSeq;
				const {key} = conversation;
				if (seq <= conversation.markedSeq || seq <= (inFlight.current.get(key) ?? -1)) {
					continue;
				}

				inFlight.current.set(key, seq);
				const done = () => {
					if (inFlight.current.get(key) === seq) {
						inFlight.current.delete(key);
					}
				};

				session.markRead(key, seq).then(reply => {
					done();
					dispatch({type: 'reply', command: {type: 'read', conversation: key, seq}, reply, silent: true});
				}, () => {
					// Not connected: the marker is sent again once the view is online.
					done();
				});
			}
		}, readMarkerDelayMs);
	});

	useEffect(() => () => {
		clearTimeout(timer.current);
	}, []);
}
