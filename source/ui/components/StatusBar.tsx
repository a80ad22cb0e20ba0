import {memo} from 'react';
import {Box, Text} from 'ink';
import {sanitizeText} from '../../protocol/index.js';
import type {ConnectionState} from '../state/types.js';

type Props = {
	readonly user: string;
	readonly server: string;
	readonly connection: ConnectionState;
	readonly detail: string;
	readonly lagMs: number | undefined;
	readonly width: number;
};

const stateColor: Record<ConnectionState, string> = {online: 'green', reconnecting: 'yellow', offline: 'red'};

/** One line: who, where, whether connected (and why not, in the server's words: sanitized), and the ping round trip. */
export const StatusBar = memo(function StatusBar({user, server, connection, detail, lagMs, width}: Props) {
	return (
		<Box width={width} height={1}>
			<Box flexGrow={1} flexShrink={1}>
				<Text wrap="truncate-end">
					<Text bold color="cyan">natter</Text>
					<Text>{` ${sanitizeText(user)}@${sanitizeText(server)} `}</Text>
					<Text color={stateColor[connection]}>{`● ${connection}`}</Text>
					{detail === '' ? null : <Text dimColor>{` (${sanitizeText(detail)})`}</Text>}
					{connection === 'online' && lagMs !== undefined ? <Text dimColor>{` · lag ${Math.round(lagMs)} ms`}</Text> : null}
				</Text>
			</Box>
			<Box flexShrink={0}>
				<Text dimColor>{width >= 70 ? ' Ctrl+N/P · PgUp/PgDn · /help' : ' /help'}</Text>
			</Box>
		</Box>
	);
});
