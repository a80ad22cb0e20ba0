import {useCallback, useEffect, useMemo, useReducer, useRef, useState} from 'react';
import {Box, useApp} from 'ink';
import {parseCommand} from '../../protocol/index.js';
import {useChatSession} from '../hooks/use-chat-session.js';
import {useHistoryRequests} from '../hooks/use-history-requests.js';
import {useKeys} from '../hooks/use-keys.js';
import {useReadMarkers} from '../hooks/use-read-markers.js';
import {useTerminalSize} from '../hooks/use-terminal-size.js';
import {alertSequence, defaultNotifySettings, type NotifySettings, titleSequence, unreadTotals} from '../notify.js';
import {PacedSender} from '../paced-sender.js';
import type {ChatSession, SessionState} from '../session.js';
import {activeConversation, chatReducer, firstNewLine} from '../state/chat-reducer.js';
import {conversationOrder} from '../state/conversations.js';
import {initialChatState, initialScreenState, screenReducer} from '../state/screen-reducer.js';
import {planSubmission} from '../state/submission.js';
import type {ChatState} from '../state/types.js';
import {terminalSafe} from '../text-width.js';
import {ConversationPanel, type ConversationSummary} from './ConversationPanel.js';
import {HintLine} from './HintLine.js';
import {InputPanel} from './InputPanel.js';
import {conversationTitle, linesFromTop, MessagePanel, messageRows, topHint, visibleLines} from './MessagePanel.js';
import {StatusBar} from './StatusBar.js';

type Props = {
	readonly session: ChatSession;
	/** Start from this state instead of an empty one (the benchmark preloads history). */
	readonly initialState?: ChatState;
	/** A line shown in All when the screen opens (natter demo says where it keeps its data). */
	readonly notice?: string;
	/** Bell, desktop notification, title (see notify.ts). */
	readonly notify?: NotifySettings;
	/** Where bells and title sequences go (the real terminal); none: no signals at all. */
	readonly signal?: (sequence: string) => void;
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

/** Resolves once the session is online (at once if it is), rejects if it goes offline for good. */
async function untilOnline(session: ChatSession): Promise<void> {
	const {state} = session;
	if (state.state === 'online') {
		return;
	}

	if (state.state === 'offline') {
		throw new Error(`not connected (${state.reason})`);
	}

	await new Promise<void>((resolve, reject) => {
		const onState = (next: SessionState) => {
			if (next.state === 'reconnecting') {
				return;
			}

			session.off('state', onState);
			if (next.state === 'online') {
				resolve();
			} else {
				reject(new Error(`not connected (${next.reason})`));
			}
		};

		session.on('state', onState);
	});
}

/** Pages of `/members` (200 each) the panel fetches for a group. */
const memberPagesFetched = 5;

export function ChatScreen({session, initialState, notice, notify = defaultNotifySettings, signal}: Props) {
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
	// What shows is measured in rows (wrapped lines, the divider, the header over the oldest line), so
	// the top stops with the oldest line in view and a page leaves one line of the last in view.
	const newLineKey = useMemo(() => firstNewLine(conversation), [conversation]);
	const header = conversation.lines.length === 0 || topHint(conversation, mainHeight, 'top') !== undefined;
	const visible = useMemo(() => visibleLines(conversation, mainHeight, messageWidth, {newLineKey, header}), [conversation, mainHeight, messageWidth, newLineKey, header]);
	const topLines = useMemo(() => linesFromTop(conversation, mainHeight, messageWidth, {newLineKey, header}), [conversation, mainHeight, messageWidth, newLineKey, header]);
	const pageSize = Math.max(1, visible.length - 1);
	const [backlog, setBacklog] = useState(0);
	const sender = useMemo(() => new PacedSender(async line => session.send(line), setBacklog, async () => untilOnline(session)), [session]);
	useEffect(() => () => {
		sender.stop();
	}, [sender]);

	// Every key goes through the reducer, in order, whatever the burst; only leaving is done here.
	const view = {pageSize, rows: messageRowCount, topLines};
	// Whether the terminal has the focus (its focus reports, see full-screen.tsx); until one comes, assume it has.
	const focused = useRef(true);
	useKeys(keys => {
		for (const key of keys) {
			if (key.kind === 'ctrl' && key.letter === 'c') {
				leave();
				return;
			}

			if (key.kind === 'focus') {
				focused.current = key.focused;
				continue;
			}

			dispatch({type: 'key', key, view});
		}
	});

	// Lines submitted (Enter, a paste) wait in the reducer's outbox and are sent from here, paced.
	useEffect(() => {
		if (input.outbox.length === 0) {
			return;
		}

		for (const {value, target, literal} of input.outbox) {
			const plan = planSubmission(value, (target === undefined ? undefined : state.conversations[target]) ?? conversation, literal);
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

				case 'open':
				case 'close': {
					dispatch({type: plan.kind, key: plan.key});
					break;
				}

				case 'send': {
					dispatch({type: 'scroll', to: 'bottom', pageSize});
					sender.send(plan.line).then(reply => {
						dispatch({type: 'reply', command: plan.command, reply});
					}, (error: unknown) => {
						dispatch({type: 'notice', level: 'error', text: `not sent: ${error instanceof Error ? error.message : String(error)}`});
					});
					break;
				}
			}
		}

		dispatch({type: 'taken', upTo: input.outbox.at(-1)!.seq});
	}, [input.outbox, state.conversations, conversation, pageSize, sender, leave]);

	// The open group's members, for the panel, fetched once when it is first opened: the first pages
	// (every line counts against the flood limit); a larger group shows `+N more` with the true count.
	const membersAsked = useRef(new Set<string>());
	useEffect(() => {
		if (conversation.kind !== 'group' || state.connection !== 'online' || state.members[conversation.name] || membersAsked.current.has(conversation.name)) {
			return;
		}

		const group = conversation.name;
		membersAsked.current.add(group);
		void (async () => {
			for (let page = 1, pages = 1; page <= Math.min(pages, memberPagesFetched); page++) {
				const line = page === 1 ? `/members ${group}` : `/members ${group} ${page}`;
				const parsed = parseCommand(line);
				if (!parsed.ok) {
					return;
				}

				// eslint-disable-next-line no-await-in-loop
				const reply = await session.send(line);
				dispatch({type: 'reply', command: parsed.command, reply, silent: true});
				if (reply.type !== 'ok' || reply.command !== 'members') {
					return;
				}

				pages = reply.pages ?? 1;
			}
		})().catch(() => {
			membersAsked.current.delete(group);
		});
	}, [conversation, state.connection, state.members, session]);

	// A bell (and a desktop notification, if asked for) for each new mention or DM the user is not
	// looking at: in another conversation, or anywhere while the terminal does not have the focus.
	const alertsSeen = useRef(state.alerts);
	useEffect(() => {
		if (state.alerts > alertsSeen.current && state.lastAlert && signal && (!state.lastAlert.inView || !focused.current)) {
			const sequence = alertSequence(notify, state.lastAlert);
			if (sequence !== '') {
				signal(sequence);
			}
		}

		alertsSeen.current = state.alerts;
	}, [state.alerts, state.lastAlert, notify, signal]);

	const totals = unreadTotals(state);
	const titleShown = useRef<string | undefined>(undefined);
	useEffect(() => {
		if (!signal || !notify.title) {
			return;
		}

		const title = titleSequence(state.me, state.server, totals.unread);
		if (title !== titleShown.current) {
			titleShown.current = title;
			signal(title);
		}
	}, [signal, notify.title, state.me, state.server, totals.unread]);

	const summaries = useSummaries(state);
	const target = conversation.kind === 'all' ? 'All' : `${conversation.kind === 'group' ? '#' : '@'}${terminalSafe(conversation.name)}`;
	const members = conversation.kind === 'group' ? state.members[conversation.name] : undefined;
	const memberTotal = conversation.kind === 'group' ? state.memberTotals[conversation.name] : undefined;
	return (
		<Box flexDirection="column" width={columns} height={rows - 1}>
			<StatusBar
				user={state.me}
				server={state.server}
				connection={state.connection}
				detail={state.connectionDetail}
				lagMs={state.lagMs}
				width={columns}
				unread={sidebarWidth > 0 ? undefined : totals}
				sending={backlog}
			/>
			<Box height={mainHeight}>
				{sidebarWidth > 0
					? <ConversationPanel conversations={summaries} active={state.active} online={state.online} members={members} memberTotal={memberTotal} width={sidebarWidth} height={mainHeight}/>
					: null}
				<MessagePanel
					title={conversationTitle(conversation)}
					lines={visible}
					scroll={conversation.scroll}
					width={messageWidth}
					height={mainHeight}
					newLineKey={newLineKey}
					top={topHint(conversation, mainHeight, visible)}
				/>
			</Box>
			<HintLine width={columns} completion={input.completion} scroll={conversation.scroll} target={target} pasted={input.pasted}/>
			<InputPanel target={target} value={input.value} cursor={input.cursor} width={columns} pasted={input.pasted?.length} pasting={input.pasting !== undefined}/>
		</Box>
	);
}
