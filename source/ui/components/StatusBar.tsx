import {memo} from 'react';
import {Box, Text} from 'ink';
import {useTheme} from '../theme.js';
import type {ConnectionState} from '../state/types.js';
import {displayWidth, shorten, terminalSafe} from '../text-width.js';

type Props = {
	readonly user: string;
	readonly server: string;
	readonly connection: ConnectionState;
	readonly detail: string;
	readonly lagMs: number | undefined;
	readonly width: number;
	/** Unread messages and mentions elsewhere: shown when the conversation list is hidden (a narrow terminal). */
	readonly unread?: {readonly unread: number; readonly mentions: number};
	/** Lines waiting to be sent (a paste paced to the server's flood limit). */
	readonly sending?: number;
};

const stateColor: Record<ConnectionState, string> = {online: 'green', reconnecting: 'yellow', offline: 'red'};

type Part = {readonly text: string; readonly color?: string; readonly dim?: boolean; readonly bold?: boolean; readonly priority: number};

/**
One line: who, where, whether connected (and why not, in the server's words), unread counts when the
list is hidden, the ping round trip. Too narrow for all of it, the least needed parts go first and
the rest is shortened, never cut in the middle of the connection state.
*/
export const StatusBar = memo(function StatusBar({user, server, connection, detail, lagMs, width, unread, sending}: Props) {
	const theme = useTheme();
	const parts: Part[] = [
		{text: 'natter ', bold: true, color: theme.status, priority: 2},
		{text: `${terminalSafe(user)}@${terminalSafe(server)} `, color: theme.statusText, priority: 4},
		{text: `● ${connection}`, color: stateColor[connection], priority: 9},
	];
	if (detail !== '') {
		parts.push({text: ` (${terminalSafe(detail)})`, dim: true, priority: 8});
	}

	if (unread && unread.unread > 0) {
		parts.push({text: ` · ${unread.unread} unread${unread.mentions > 0 ? ` (${unread.mentions} @you)` : ''}`, color: unread.mentions > 0 ? theme.notice : theme.input, bold: true, priority: 7});
	}

	if (sending !== undefined && sending > 0) {
		parts.push({text: ` · sending ${sending}`, color: theme.notice, priority: 6});
	}

	if (connection === 'online' && lagMs !== undefined) {
		parts.push({text: ` · lag ${Math.round(lagMs)} ms`, dim: true, priority: 1});
	}

	parts.push({text: width >= 70 ? ' · Ctrl+N/P · PgUp/PgDn · /help' : ' · /help', dim: true, priority: 3});
	let shown = parts;
	const total = (list: readonly Part[]) => list.reduce((sum, part) => sum + displayWidth(part.text), 0);
	for (let priority = 1; total(shown) > width && priority <= 4; priority++) {
		shown = shown.filter(part => part.priority !== priority);
	}

	// Still too wide: the detail (a retry countdown, a reason) is shortened, then the whole line.
	const over = total(shown) - width;
	if (over > 0) {
		shown = shown.map(part => (part.priority === 8 ? {...part, text: shorten(part.text, Math.max(2, displayWidth(part.text) - over))} : part));
	}

	return (
		<Box width={width} height={1}>
			<Text wrap="truncate-end">
				{shown.map(part => (
					<Text key={part.priority} bold={part.bold} color={theme.paint(part.color)} dimColor={part.dim}>{part.text}</Text>
				))}
			</Text>
		</Box>
	);
});
