import {memo} from 'react';
import {Box, Text} from 'ink';
import {useTheme} from '../theme.js';
import {displayWidth, shorten} from '../text-width.js';
import {InputLine} from './InputLine.js';

type Props = {
	/** Where plain text goes: `All`, `#lobby`, `@bob`. */
	readonly target: string;
	readonly value: string;
	readonly cursor: number;
	readonly width: number;
	/** Lines of a paste waiting for Enter or Esc. */
	readonly pasted: number | undefined;
	/** A bracketed paste is arriving. */
	readonly pasting: boolean;
};

/** The input box: where Enter sends, then the line being edited (or what a paste waits for). */
export const InputPanel = memo(function InputPanel({target, value, cursor, width, pasted, pasting}: Props) {
	const theme = useTheme();
	// Border (2) and padding (2) around the prompt and the line.
	const inner = Math.max(4, width - 4);
	const prompt = `${shorten(target, Math.max(3, Math.floor(inner / 3)))} › `;
	const lineWidth = Math.max(1, inner - displayWidth(prompt));
	let line;
	if (pasting) {
		line = <Text color={theme.notice} wrap="truncate-end">pasting…</Text>;
	} else if (pasted === undefined) {
		line = <InputLine value={value} cursor={cursor} width={lineWidth} placeholder="type a message or /help"/>;
	} else {
		line = <Text color={theme.notice} wrap="truncate-end">{shorten(`${pasted} pasted lines: Enter sends them to ${target}, Esc drops them`, lineWidth)}</Text>;
	}

	return (
		<Box borderStyle="round" borderColor={theme.input} width={width} height={3} paddingX={1}>
			<Box flexShrink={0}>
				<Text color={theme.input}>{prompt}</Text>
			</Box>
			<Box flexGrow={1} flexShrink={1} overflow="hidden">
				{line}
			</Box>
		</Box>
	);
});
