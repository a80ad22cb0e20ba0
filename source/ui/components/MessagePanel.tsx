import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeText} from '../../protocol/index.js';
import {formatTime, nameColor} from '../format.js';
import type {Conversation, Line} from '../state/types.js';

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

const LineRow = memo(function LineRow({line}: {readonly line: Line}) {
	switch (line.kind) {
		case 'info': {
			return <Text dimColor wrap="wrap">{`  ${sanitizeText(line.text)}`}</Text>;
		}

		case 'error': {
			return <Text color="red" wrap="wrap">{`! ${sanitizeText(line.text)}`}</Text>;
		}

		case 'gap': {
			const missing = plural(line.before - line.after - 1, 'earlier message');
			return line.loading
				? <Text color="yellow" wrap="truncate-end">{`… loading ${missing}`}</Text>
				: <Text color="yellow" wrap="truncate-end">{`… ${missing} not loaded (PgUp)`}</Text>;
		}

		case 'message': {
			break;
		}
	}

	const from = sanitizeText(line.from);
	return (
		<Text wrap="wrap">
			<Text dimColor>{formatTime(line.ts)} </Text>
			<Text bold color={nameColor(from)}>{from}</Text>
			{line.mine ? <Text dimColor> (you)</Text> : null}
			<Text>: </Text>
			{line.mention ? <Text bold color="black" backgroundColor="yellow">{sanitizeText(line.text)}</Text> : <Text>{sanitizeText(line.text)}</Text>}
		</Text>
	);
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
			return `#${sanitizeText(conversation.name)}`;
		}

		case 'dm': {
			return `@${sanitizeText(conversation.name)} (direct)`;
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
export const MessagePanel = memo(function MessagePanel({title, lines: visible, scroll, width, height, newLineKey, top}: Props) {
	const rows = messageRows(height);
	// Above the oldest line: loading, more to fetch, or the beginning; an empty conversation says so.
	const header = visible.length === 0 && (top === undefined || top === 'start') ? 'No messages yet.' : (top === undefined ? undefined : topText[top]);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor="gray" width={width} height={height} paddingX={1}>
			<Box height={1} flexShrink={0}>
				<Box flexGrow={1}>
					<Text bold wrap="truncate-end">{title}</Text>
				</Box>
				{scroll > 0 ? <Text color="yellow">{` ↓ ${scroll} newer (PgDn)`}</Text> : null}
			</Box>
			<Box height={rows} overflow="hidden" flexDirection="column" justifyContent="flex-end">
				<Box flexDirection="column" flexShrink={0}>
					{header === undefined ? null : <Text dimColor wrap="truncate-end">{header}</Text>}
					{visible.map(line => (line.key === newLineKey
						? (
							<Box key={line.key} flexDirection="column" flexShrink={0}>
								<Text color="yellow" wrap="truncate-end">{'── new messages ──'}</Text>
								<LineRow line={line}/>
							</Box>
						)
						: <LineRow key={line.key} line={line}/>))}
				</Box>
			</Box>
		</Box>
	);
});
