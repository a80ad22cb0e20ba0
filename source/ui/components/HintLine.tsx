import {memo} from 'react';
import {Box, Text} from 'ink';
import {useTheme} from '../theme.js';
import {sanitizeText} from '../../protocol/index.js';
import {terminalSafe} from '../text-width.js';

type Props = {
	readonly width: number;
	/** Tab candidates while cycling, with the one shown. */
	readonly completion: {readonly candidates: readonly string[]; readonly index: number} | undefined;
	/** Lines hidden below the view in the open conversation. */
	readonly scroll: number;
	readonly target: string;
	/** A multi-line paste waiting for Enter or Esc. */
	readonly pasted?: readonly string[];
};

/** The line above the input: Tab candidates, or how to get back to the newest lines, or a short tip. */
export const HintLine = memo(function HintLine({width, completion, scroll, target, pasted}: Props) {
	const theme = useTheme();
	let content;
	if (pasted) {
		content = <Text color={theme.notice} wrap="truncate-end">{`Paste: ${pasted.length} lines, each one message ("${terminalSafe(pasted[0] ?? '').slice(0, 40)}" …). Enter sends, Esc drops.`}</Text>;
	} else if (completion) {
		content = (
			<Text wrap="truncate-end">
				<Text dimColor>Tab: </Text>
				{completion.candidates.map((candidate, index) => (
					<Text key={candidate}>
						{index === 0 ? '' : ' '}
						<Text inverse={index === completion.index}>{sanitizeText(candidate.trim())}</Text>
					</Text>
				))}
			</Text>
		);
	} else if (scroll > 0) {
		content = <Text color={theme.notice} wrap="truncate-end">{`Scrolled back: ${scroll} newer line${scroll === 1 ? '' : 's'} below. PageDown or End to return.`}</Text>;
	} else {
		content = <Text dimColor wrap="truncate-end">{`Enter sends to ${target} · Tab completes · ↑/↓ history · Ctrl+N/P switch · /help`}</Text>;
	}

	return <Box width={width} height={1} paddingX={1}>{content}</Box>;
});
