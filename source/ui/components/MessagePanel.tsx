import {memo, useContext} from 'react';
import {Box, Text} from 'ink';
import {ColorsContext, usePaint} from '../theme.js';
import {formatTime, nameColor} from '../format.js';
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
	/** Scrolled back to the oldest line held: it shows at the top, what follows below it (lines that wrap may push the last ones out). */
	readonly alignTop?: boolean;
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

function MessageRows({line, width}: {readonly line: MessageLine; readonly width: number}) {
	const paint = usePaint();
	// On a monochrome screen a mention is shown inverse instead of on yellow.
	const colors = useContext(ColorsContext);
	const from = terminalSafe(line.from);
	const time = `${formatTime(line.ts)} `;
	const head = line.action ? `${time}* ${from} ` : `${time}${from}${line.mine ? ' (you)' : ''}: `;
	// Rows after the first hang under the text (at most a third of the width in, for long names).
	const indent = Math.min(displayWidth(head), Math.floor(width / 3));
	const rows = wrapText(terminalSafe(line.text), Math.max(1, width - indent), Math.max(1, width - displayWidth(head)));
	const body = (text: string) => (line.mention ? <Text bold inverse={!colors} color={paint('black')} backgroundColor={paint('yellow')}>{text}</Text> : <Text italic={line.action}>{text}</Text>);
	return (
		<Box flexDirection="column" flexShrink={0}>
			<Text wrap="truncate-end">
				<Text dimColor>{time}</Text>
				{line.action ? <Text bold>{'* '}</Text> : null}
				<Text bold color={paint(nameColor(from))}>{shorten(from, Math.max(1, width - time.length - 4))}</Text>
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
	const paint = usePaint();
	switch (line.kind) {
		case 'info':
		case 'error': {
			const rows = noteRows(line.text, line.kind === 'info' ? '  ' : '! ', width);
			return (
				<Box flexDirection="column" flexShrink={0}>
					{rows.map((row, index) => (
						// eslint-disable-next-line react/no-array-index-key
						<Text key={index} wrap="truncate-end" dimColor={line.kind === 'info'} color={paint(line.kind === 'error' ? 'red' : undefined)}>{row}</Text>
					))}
				</Box>
			);
		}

		case 'gap': {
			const missing = plural(line.before - line.after - 1, 'earlier message');
			return line.loading
				? <Text color={paint('yellow')} wrap="truncate-end">{`… loading ${missing}`}</Text>
				: <Text color={paint('yellow')} wrap="truncate-end">{`… ${missing} not loaded (PgUp)`}</Text>;
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

/**
The lines that can show in a panel of this height: the last `rows` above the scroll position.
A line takes at least one row, so no more can be visible; wrapped ones push the oldest out of the clipped top.
*/
export function visibleLines(conversation: Pick<Conversation, 'lines' | 'scroll'>, height: number): readonly Line[] {
	const rows = messageRows(height);
	const end = conversation.lines.length - conversation.scroll;
	return conversation.lines.slice(Math.max(0, end - rows), end);
}

/** What to say above the oldest line, when it is in view: history on its way, or more of it to fetch with PageUp. */
export function topHint(conversation: Pick<Conversation, 'lines' | 'scroll' | 'history' | 'hasOlder' | 'loadingOlder'>, height: number): TopHint {
	if (conversation.lines.length - conversation.scroll > messageRows(height)) {
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
export const MessagePanel = memo(function MessagePanel({title, lines: visible, scroll, width, height, newLineKey, top, alignTop = false}: Props) {
	const paint = usePaint();
	const rows = messageRows(height);
	// Inside the border (2) and the padding (2).
	const inner = Math.max(1, width - 4);
	// Above the oldest line: loading, more to fetch, or the beginning; an empty conversation says so.
	const header = visible.length === 0 && (top === undefined || top === 'start') ? 'No messages yet.' : (top === undefined ? undefined : topText[top]);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={paint('gray')} width={width} height={height} paddingX={1}>
			<Box height={1} flexShrink={0}>
				<Box flexGrow={1}>
					<Text bold wrap="truncate-end">{title}</Text>
				</Box>
				{scroll > 0 ? <Text color={paint('yellow')}>{` ↓ ${scroll} newer (PgDn)`}</Text> : null}
			</Box>
			<Box height={rows} overflow="hidden" flexDirection="column" justifyContent={alignTop ? 'flex-start' : 'flex-end'}>
				<Box flexDirection="column" flexShrink={0}>
					{header === undefined ? null : <Text dimColor wrap="truncate-end">{header}</Text>}
					{visible.map(line => (line.key === newLineKey
						? (
							<Box key={line.key} flexDirection="column" flexShrink={0}>
								<Text color={paint('yellow')} wrap="truncate-end">{'── new messages ──'}</Text>
								<LineRow line={line} width={inner}/>
							</Box>
						)
						: <LineRow key={line.key} line={line} width={inner}/>))}
				</Box>
			</Box>
		</Box>
	);
});
