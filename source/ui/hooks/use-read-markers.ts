import {useCallback, useEffect, useRef, type Dispatch} from 'react';
import type {ChatSession} from '../session.js';
import type {ChatAction} from '../state/chat-reducer.js';
import type {ChatState, ConversationKey} from '../state/types.js';

/** How long the view must rest before a moved read marker is sent (scrolling or a burst sends one, not many). */
export const readMarkerDelayMs = 250;

/** At leaving, how long to wait for the last markers to be answered. */
const flushTimeoutMs = 1000;

/**
Tell the server how far the user has read: for every conversation whose `readSeq` passed the
marker the server holds, a `mark_read` after a short rest, only forward. The server passes it on
to the user's other sessions, so their unread counts drop too. Returns `flush`: send what is
pending now (before leaving), resolved when answered.
*/
export function useReadMarkers(session: ChatSession, state: ChatState, dispatch: Dispatch<ChatAction>): () => Promise<void> {
	const latest = useRef(state);
	latest.current = state;
	/** Markers sent and not answered yet, per conversation. */
	const inFlight = useRef(new Map<ConversationKey, number>());
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);

	const send = useCallback(async () => {
		clearTimeout(timer.current);
		timer.current = undefined;
		const sending: Array<Promise<void>> = [];
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

			sending.push(session.markRead(key, seq).then(reply => {
				done();
				dispatch({type: 'reply', command: {type: 'read', conversation: key, seq}, reply, silent: true});
			}, () => {
				// Not connected: the marker is sent again once the view is online.
				done();
			}));
		}

		await Promise.all(sending);
	}, [session, dispatch]);

	const behind = Object.values(state.conversations).some(conversation => conversation.readSeq > conversation.markedSeq
		&& conversation.readSeq > (inFlight.current.get(conversation.key) ?? -1));
	const online = state.connection === 'online';

	useEffect(() => {
		if (!behind || !online || timer.current) {
			return;
		}

		timer.current = setTimeout(() => {
			void send();
		}, readMarkerDelayMs);
	});

	useEffect(() => () => {
		clearTimeout(timer.current);
	}, []);

	return useCallback(async () => {
		if (latest.current.connection !== 'online') {
			return;
		}

		let give: NodeJS.Timeout | undefined;
		const timeout = new Promise<void>(resolve => {
			give = setTimeout(resolve, flushTimeoutMs);
		});
		await Promise.race([send(), timeout]);
		clearTimeout(give);
	}, [send]);
}
