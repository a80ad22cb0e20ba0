import {useCallback, useEffect, useMemo, useReducer, useRef} from 'react';
import {Box, useApp, useInput} from 'ink';
import {sanitizeText} from '../../protocol/index.js';
import {keyEventTick} from '../hooks/key-tick.js';
import {useChatSession} from '../hooks/use-chat-session.js';
import {useHistoryRequests} from '../hooks/use-history-requests.js';
import {useReadMarkers} from '../hooks/use-read-markers.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import type {ChatSession} from '../session.js';
import {activeConversation, chatReducer, firstNewLine} from '../state/chat-reducer.js';
import {conversationOrder} from '../state/conversations.js';
import {initialChatState, initialScreenState, screenReducer} from '../state/screen-reducer.js';
import {planSubmission} from '../state/submission.js';
import type {ChatState} from '../state/types.js';
import {ConversationPanel, type ConversationSummary} from './ConversationPanel.js';
import {HintLine} from './HintLine.js';
import {InputPanel} from './InputPanel.js';
import {conversationTitle, MessagePanel, messageRows, topHint, visibleLines} from './MessagePanel.js';
import {StatusBar} from './StatusBar.js';

type Props = {
	readonly session: ChatSession;
	/** Start from this state instead of an empty one (the benchmark preloads history). */
	readonly initialState?: ChatState;
	/** A line shown in All when the screen opens (natter demo says where it keeps its data). */
	readonly notice?: string;
};

/** Fixed rows: status line, hint line, and the input box (3 with its border). */
const chromeRows = 5;

export function layout(columns: number, rows: number) {
	// Ink 6 redraws the whole screen (and flickers) once the output reaches the terminal's height: stay one row short.
	const mainHeight = Math.max(4, rows - 1 - chromeRows);
	const sidebarWidth = columns >= 60 ? Math.min(26, Math.floor(columns / 4)) : 0;
	return {mainHeight, sidebarWidth, messageWidth: columns - sidebarWidth};
}

function sameSummaries(a: readonly ConversationSummary[], b: readonly ConversationSummary[]): boolean {
	return a.length === b.length && a.every((item, index) => {
		const other = b[index]!;
		return item.key === other.key && item.name === other.name && item.unread === other.unread && item.mentions === other.mentions;
	});
}

/** The panel's list, the same array while no name or count changes, so the panel is not redrawn on every message. */
function useSummaries(state: ChatState): readonly ConversationSummary[] {
	const previous = useRef<readonly ConversationSummary[]>([]);
	const next = conversationOrder(state).map(key => {
		const {kind, name, unread, mentions} = state.conversations[key]!;
		return {key, kind, name, unread, mentions};
	});
	if (!sameSummaries(previous.current, next)) {
		previous.current = next;
	}

	return previous.current;
}

export function ChatScreen({session, initialState, notice}: Props) {
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	const [screen, dispatch] = useReducer(screenReducer, undefined, () => {
		const chat = initialState ?? initialChatState({
			me: session.user,
			server: `${session.options.host}:${session.options.port}`,
		});
		return initialScreenState(notice === undefined ? chat : chatReducer(chat, {type: 'notice', level: 'info', text: notice}));
	});
	const {chat: state, input} = screen;
	const latest = useRef(state);
	latest.current = state;
	useChatSession(session, dispatch, () => latest.current);
	useHistoryRequests(session, state.requests, dispatch);
	const flushReadMarkers = useReadMarkers(session, state, dispatch);
	const leaving = useRef(false);

	const leave = useCallback(() => {
		if (leaving.current) {
			return;
		}

		leaving.current = true;
		// Where the user stopped reading is kept for the next start, even right after a message came in.
		void flushReadMarkers().then(async () => session.close()).finally(() => {
			exit();
		});
	}, [session, exit, flushReadMarkers]);

	useEffect(() => () => {
		// Unmounted without /exit (a signal, a crash): drop the socket so the process can end.
		session.destroy();
	}, [session]);

	const {mainHeight, sidebarWidth, messageWidth} = layout(columns, rows);
	const conversation = activeConversation(state);
	const messageRowCount = messageRows(mainHeight);
	const pageSize = Math.max(1, messageRowCount - 1);

	useInput((text, key) => {
		if (key.ctrl && (text === 'c' || text === 'd')) {
			leave();
			return;
		}

		if (key.ctrl && (text === 'n' || text === 'p')) {
			dispatch({type: 'shortcut', letter: text, tick: keyEventTick()});
			dispatch({type: 'switch', step: text === 'n' ? 1 : -1});
			return;
		}

		if (key.pageUp || key.pageDown) {
			dispatch({type: 'scroll', to: key.pageUp ? 'page_up' : 'page_down', pageSize, rows: messageRowCount});
		} else if (key.end || key.home) {
			dispatch({type: 'scroll', to: key.end ? 'bottom' : 'top', pageSize, rows: messageRowCount});
		} else if (key.upArrow || key.downArrow) {
			dispatch({type: 'history', step: key.upArrow ? -1 : 1});
		} else if (key.tab && !key.shift) {
			dispatch({type: 'complete'});
		}
	});

	const onChange = useCallback((base: string, next: string) => {
		dispatch({type: 'change', base, next, tick: keyEventTick()});
	}, []);

	const onSubmit = useCallback(() => {
		dispatch({type: 'submit'});
	}, []);

	// Submitted lines go through the reducer (the text input may report a stale value) and are sent from here.
	useEffect(() => {
		if (input.outbox.length === 0) {
			return;
		}

		for (const {value, target} of input.outbox) {
			const plan = planSubmission(value, (target === undefined ? undefined : state.conversations[target]) ?? conversation);
			switch (plan.kind) {
				case 'nothing': {
					break;
				}

				case 'error': {
					dispatch({type: 'scroll', to: 'bottom', pageSize});
					dispatch({type: 'notice', level: 'error', text: plan.message});
					break;
				}

				case 'exit': {
					leave();
					break;
				}

				case 'send': {
					dispatch({type: 'scroll', to: 'bottom', pageSize});
					session.send(plan.line).then(reply => {
						dispatch({type: 'reply', command: plan.command, reply});
					}, (error: unknown) => {
						dispatch({type: 'notice', level: 'error', text: `not sent: ${error instanceof Error ? error.message : String(error)}`});
					});
					break;
				}
			}
		}

		dispatch({type: 'taken', upTo: input.outbox.at(-1)!.seq});
	}, [input.outbox, state.conversations, conversation, pageSize, session, leave]);

	const summaries = useSummaries(state);
	const visible = useMemo(() => visibleLines(conversation, mainHeight), [conversation, mainHeight]);
	const newLineKey = useMemo(() => firstNewLine(conversation), [conversation]);
	const target = conversation.kind === 'all' ? 'All' : `${conversation.kind === 'group' ? '#' : '@'}${sanitizeText(conversation.name)}`;
	return (
		<Box flexDirection="column" width={columns} height={rows - 1}>
			<StatusBar user={state.me} server={state.server} connection={state.connection} detail={state.connectionDetail} lagMs={state.lagMs} width={columns}/>
			<Box height={mainHeight}>
				{sidebarWidth > 0
					? <ConversationPanel conversations={summaries} active={state.active} online={state.online} width={sidebarWidth} height={mainHeight}/>
					: null}
				<MessagePanel
					title={conversationTitle(conversation)}
					lines={visible}
					scroll={conversation.scroll}
					width={messageWidth}
					height={mainHeight}
					newLineKey={newLineKey}
					top={topHint(conversation, mainHeight)}
				/>
			</Box>
			<HintLine width={columns} completion={input.completion} scroll={conversation.scroll} target={target}/>
			<InputPanel target={target} value={input.value} version={input.version} width={columns} onChange={onChange} onSubmit={onSubmit}/>
		</Box>
	);
}
