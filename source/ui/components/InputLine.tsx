import {memo} from 'react';
import {Text} from 'ink';
import {displayWidth, graphemes, terminalSafe} from '../text-width.js';

type Props = {
	readonly value: string;
	readonly cursor: number;
	/** Columns the line may take. */
	readonly width: number;
	readonly placeholder?: string;
	/** Show `*` for each character (the password field). */
	readonly mask?: boolean;
	/** Draw the cursor (the field has the focus). */
	readonly focused?: boolean;
};

/**
One line of editable text with its cursor, scrolled sideways so the cursor stays in view, never
wider than `width` (each grapheme measured as Ink measures it, after terminalSafe).
*/
export const InputLine = memo(function InputLine({value, cursor, width, placeholder, mask = false, focused = true}: Props) {
	if (value === '' && placeholder !== undefined) {
		return focused
			? <Text><Text inverse>{placeholder.slice(0, 1)}</Text><Text dimColor>{placeholder.slice(1, Math.max(1, width - 1))}</Text></Text>
			: <Text dimColor>{placeholder.slice(0, Math.max(0, width))}</Text>;
	}

	const show = (text: string) => (mask ? '*'.repeat(graphemes(text).length) : terminalSafe(text));
	const before = graphemes(show(value.slice(0, cursor)));
	const at = graphemes(value.slice(cursor));
	const under = at.length === 0 ? ' ' : show(at[0]!) || ' ';
	const after = graphemes(show(at.slice(1).join('')));
	const room = Math.max(1, width - displayWidth(under));
	// Keep the cursor in view: as much of what precedes it as fits (up to three quarters), then what follows.
	let left = '';
	let used = 0;
	const leftRoom = after.length === 0 ? room : Math.max(1, Math.floor(room * 0.75));
	for (let index = before.length - 1; index >= 0; index--) {
		const grapheme = before[index]!;
		const next = displayWidth(grapheme);
		if (used + next > leftRoom) {
			break;
		}

		left = grapheme + left;
		used += next;
	}

	let right = '';
	for (const grapheme of after) {
		const next = displayWidth(grapheme);
		if (used + next > room) {
			break;
		}

		right += grapheme;
		used += next;
	}

	return (
		<Text wrap="truncate-end">
			{left}
			{focused ? <Text inverse>{under}</Text> : under}
			{right}
		</Text>
	);
});
