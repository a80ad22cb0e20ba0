import {memo} from 'react';
import {Box, Text} from 'ink';
import TextInput from 'ink-text-input';

type Props = {
	/** Where plain text goes: `All`, `#lobby`, `@bob`. */
	readonly target: string;
	readonly value: string;
	/** Remounts the text input when the value was set from outside (history, completion). */
	readonly version: number;
	readonly width: number;
	/** `base` is the value this input was rendered with: a burst of keys can reach a stale one (see state/edit.ts). */
	readonly onChange: (base: string, next: string) => void;
	readonly onSubmit: () => void;
};

export const InputPanel = memo(function InputPanel({target, value, version, width, onChange, onSubmit}: Props) {
	return (
		<Box borderStyle="round" borderColor="cyan" width={width} height={3} paddingX={1}>
			<Box flexShrink={0}>
				<Text color="cyan">{`${target} › `}</Text>
			</Box>
			<Box flexGrow={1} flexShrink={1} overflow="hidden">
				{/* truncate-start keeps the end of a long line, where the cursor usually is, in view */}
				<Text wrap="truncate-start">
					<TextInput key={version} value={value} placeholder="type a message or /help" onChange={next => {
						onChange(value, next);
					}} onSubmit={onSubmit}/>
				</Text>
			</Box>
		</Box>
	);
});
