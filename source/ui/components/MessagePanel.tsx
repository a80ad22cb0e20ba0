import {memo} from 'react';
import {Box, Text} from 'ink';
import {useTheme} from '../theme.js';
import {formatTime} from '../format.js';
import type {Conversation, Line, MessageLine} from '../state/types.js';
import {displayWidth, shorten, terminalSafe, wrapText} from '../text-width.js';

/** What the top of the view says when it shows the oldest line held. */
export type TopHint = 'loading' | 'older' | 'loading_older' | 'start' | undefined;

type Props = {
	readonly title: string;
	/** Only the lines that can show (see `visibleLines`): props stay small, whatever the history. */
	readonly lines: readonly Line[];
	/** Lines hidden below the view. */
	readonly scroll: number;
	readonly width: number;
	readonly height: number;
	/** The line the "new messages" divider goes above. */
	readonly newLineKey?: number;
	/** Shown above the oldest line when it is in view. */
	readonly top?: TopHint;
};

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
Rows of a client line (info, error) that may hold several lines of its own (/help): each keeps its
indentation, and a row it wraps onto is indented two more.
*/
function noteRows(text: string, marker: string, width: number): string[] {
	const rows: string[] = [];
	for (const paragraph of text.split('\n').map(part => terminalSafe(part))) {
		const indent = ' '.repeat(marker.length + Math.min(8, paragraph.length - paragraph.trimStart().length));
		const hanging = `${indent}  `;
		const wrapped = wrapText(paragraph.trimStart(), Math.max(1, width - hanging.length), Math.max(1, width - indent.length));
		rows.push(...wrapped.map((row, index) => (index === 0 ? (rows.length === 0 ? marker + indent.slice(marker.length) : indent) : hanging) + row));
	}

	return rows;
}

type MessageLayout = {readonly from: string; readonly time: string; readonly indent: number; readonly rows: readonly string[]};

function messageLayout(line: MessageLine, width: number): MessageLayout {
	const from = terminalSafe(line.from);
	const time = `${formatTime(line.ts)} `;
	const head = line.action ? `${time}* ${from} ` : `${time}${from}${line.mine ? ' (you)' : ''}: `;
	// Rows after the first hang under the text (at most a third of the width in, for long names).
	const indent = Math.min(displayWidth(head), Math.floor(width / 3));
	const rows = wrapText(terminalSafe(line.text), Math.max(1, width - indent), Math.max(1, width - displayWidth(head)));
	return {from, time, indent, rows};
}

/** Each line's rows at the width it was last laid out at: the same line is not wrapped again on every render. */
const layouts = new WeakMap<Line, {readonly width: number; readonly rows: readonly string[]; readonly message?: MessageLayout}>();

function laidOut(line: Line, width: number): {readonly rows: readonly string[]; readonly message?: MessageLayout} {
	const known = layouts.get(line);
	if (known?.width === width) {
		return known;
	}

	let value: {width: number; rows: readonly string[]; message?: MessageLayout};
	switch (line.kind) {
		case 'message': {
			const message = messageLayout(line, width);
			value = {width, rows: message.rows, message};
			break;
		}

		case 'info':
		case 'error': {
			value = {width, rows: noteRows(line.text, line.kind === 'info' ? '  ' : '! ', width)};
			break;
		}

		case 'gap': {
			value = {width, rows: ['']};
			break;
		}
	}

	layouts.set(line, value);
	return value;
}

/** How many rows `line` takes in a panel whose text is `width` columns wide. */
export function lineRowCount(line: Line, width: number): number {
	return Math.max(1, laidOut(line, width).rows.length);
}

function MessageRows({line, width}: {readonly line: MessageLine; readonly width: number}) {
	const theme = useTheme();
	const {from, time, indent, rows} = laidOut(line, width).message!;
	// On a monochrome screen a mention is shown inverse instead of on its colour.
	const body = (text: string) => (line.mention
		? <Text bold inverse={!theme.colors} color={theme.paint('black')} backgroundColor={theme.mention}>{text}</Text>
		: <Text italic={line.action} color={line.action ? theme.action : undefined}>{text}</Text>);
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Text wrap="truncate-end">
				<Text dimColor={theme.timestamp === undefined} color={theme.timestamp}>{time}</Text>
				{line.action ? <Text bold color={theme.action}>{'* '}</Text> : null}
				<Text bold color={theme.nick(from, line.mine)}>{shorten(from, Math.max(1, width - time.length - 4))}</Text>
				{line.mine && !line.action ? <Text dimColor> (you)</Text> : null}
				<Text>{line.action ? ' ' : ': '}</Text>
				{body(rows[0] ?? '')}
			</Text>
			{rows.slice(1).map((row, index) => (
				// eslint-disable-next-line react/no-array-index-key
				<Text key={index} wrap="truncate-end">{' '.repeat(indent)}{body(row)}</Text>
			))}
		</Box>
	);
}

const LineRow = memo(function LineRow({line, width}: {readonly line: Line; readonly width: number}) {
	const theme = useTheme();
	switch (line.kind) {
		case 'info':
		case 'error': {
			const {rows} = laidOut(line, width);
			return (
				<Box flexDirection="column" flexShrink={0}>
					{rows.map((row, index) => (
						// eslint-disable-next-line react/no-array-index-key
						<Text key={index} wrap="truncate-end" dimColor={line.kind === 'info'} color={line.kind === 'error' ? theme.error : undefined}>{row}</Text>
					))}
				</Box>
			);
		}

		case 'gap': {
			const missing = plural(line.before - line.after - 1, 'earlier message');
			return line.loading
				? <Text color={theme.notice} wrap="truncate-end">{`… loading ${missing}`}</Text>
				: <Text color={theme.notice} wrap="truncate-end">{`… ${missing} not loaded (PgUp)`}</Text>;
		}

		case 'message': {
			return <MessageRows line={line} width={width}/>;
		}
	}
});

const topText: Record<Exclude<TopHint, undefined>, string> = {
	loading: 'Loading history…',
	older: '… earlier messages: PgUp loads them',
	loading_older: '… loading earlier messages',
	start: '· the beginning of the conversation ·',
};

export function conversationTitle(conversation: Pick<Conversation, 'kind' | 'name'>): string {
	switch (conversation.kind) {
		case 'all': {
			return 'All (broadcasts)';
		}

		case 'group': {
			return `#${terminalSafe(conversation.name)}`;
		}

		case 'dm': {
			return `@${terminalSafe(conversation.name)} (direct)`;
		}
	}
}

/** Rows of message text inside a panel of this height: border (2) and title (1) take the rest. */
export function messageRows(height: number): number {
	return Math.max(1, height - 3);
}

/** What else takes a row in the panel: the "new messages" divider above a line, a header above the oldest line. */
export type RowExtras = {readonly newLineKey?: number; readonly header?: boolean};

/** Text columns inside a message panel this wide: the border (2) and the padding (2) take the rest. */
export function panelTextWidth(width: number): number {
	return Math.max(1, width - 4);
}

/**
The lines that show in a panel of this height above the scroll position. With the panel's `width`,
as many as fit, wrapped rows, the divider and the header counted, the top one perhaps only in part
(the panel shows its last rows, as irssi and WeeChat do, not blank rows); at least one. Without
`width`, one row per line (an upper bound).
*/
export function visibleLines(conversation: Pick<Conversation, 'lines' | 'scroll'>, height: number, width?: number, extras: RowExtras = {}): readonly Line[] {
	const rows = messageRows(height);
	const end = conversation.lines.length - conversation.scroll;
	if (width === undefined) {
		return conversation.lines.slice(Math.max(0, end - rows), end);
	}

	const text = panelTextWidth(width);
	let start = end;
	let used = 0;
	while (start > 0) {
		const line = conversation.lines[start - 1]!;
		const need = lineRowCount(line, text) + (line.key === extras.newLineKey ? 1 : 0) + (start === 1 && extras.header ? 1 : 0);
		if (used >= rows && start < end) {
			break;
		}

		used += need;
		start--;
	}

	return conversation.lines.slice(start, end);
}

/** How many lines, from the oldest, fit in the panel when it is scrolled to the top: the top is `scroll = lines − this`. */
export function linesFromTop(conversation: Pick<Conversation, 'lines'>, height: number, width: number, extras: RowExtras = {}): number {
	const rows = messageRows(height);
	const text = panelTextWidth(width);
	let used = extras.header ? 1 : 0;
	let count = 0;
	for (const line of conversation.lines) {
		const need = lineRowCount(line, text) + (line.key === extras.newLineKey ? 1 : 0);
		if (used + need > rows && count > 0) {
			break;
		}

		used += need;
		count++;
	}

	return Math.max(1, count);
}

/**
What to say above the oldest line, when it is in view: history on its way, or more of it to fetch
with PageUp. `shown`: the lines in view (by default, whether the top is in view is guessed at one
row per line); `atTop` forces the answer for the top.
*/
export function topHint(conversation: Pick<Conversation, 'lines' | 'scroll' | 'history' | 'hasOlder' | 'loadingOlder'>, height: number, shown?: readonly Line[] | 'top'): TopHint {
	const atTop = shown === 'top'
		|| (shown === undefined ? conversation.lines.length - conversation.scroll <= messageRows(height) : (shown.length === 0 || shown[0] === conversation.lines[0]));
	if (!atTop) {
		return undefined;
	}

	if (conversation.history === 'loading') {
		return 'loading';
	}

	if (conversation.loadingOlder) {
		return 'loading_older';
	}

	if (conversation.history !== 'loaded') {
		return undefined;
	}

	return conversation.hasOlder ? 'older' : 'start';
}

/** The open conversation, pinned to the bottom. */
export const MessagePanel = memo(function MessagePanel({title, lines: visible, scroll, width, height, newLineKey, top}: Props) {
	const theme = useTheme();
	const rows = messageRows(height);
	// Inside the border (2) and the padding (2).
	const inner = Math.max(1, width - 4);
	// Above the oldest line: loading, more to fetch, or the beginning; an empty conversation says so.
	const header = visible.length === 0 && (top === undefined || top === 'start') ? 'No messages yet.' : (top === undefined ? undefined : topText[top]);
	// One line taller than the panel: its beginning shows (sender, time, first rows); the line below it shows its end.
	const tall = visible.length === 1 && lineRowCount(visible[0]!, inner) > rows;
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.border} width={width} height={height} paddingX={1}>
			<Box height={1} flexShrink={0}>
				<Box flexGrow={1}>
					<Text bold wrap="truncate-end">{title}</Text>
				</Box>
				{scroll > 0 ? <Text color={theme.notice}>{` ↓ ${scroll} newer (PgDn)`}</Text> : null}
			</Box>
			<Box height={rows} overflow="hidden" flexDirection="column" justifyContent={tall ? 'flex-start' : 'flex-end'}>
				<Box flexDirection="column" flexShrink={0}>
					{header === undefined ? null : <Text dimColor wrap="truncate-end">{header}</Text>}
					{visible.map(line => (line.key === newLineKey
						? (
							<Box key={line.key} flexDirection="column" flexShrink={0}>
								<Text color={theme.notice} wrap="truncate-end">{'── new messages ──'}</Text>
								<LineRow line={line} width={inner}/>
							</Box>
						)
						: <LineRow key={line.key} line={line} width={inner}/>))}
				</Box>
			</Box>
		</Box>
	);
});
