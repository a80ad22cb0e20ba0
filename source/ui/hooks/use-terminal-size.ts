import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export type TerminalSize = {readonly columns: number; readonly rows: number};

function read(stdout: NodeJS.WriteStream): TerminalSize {
	// Fake or piped streams may not know their size: assume the classic 80x24.
	return {columns: stdout.columns || 80, rows: stdout.rows || 24};
}

/** The terminal's size, kept current: Ink re-lays-out on resize but does not re-render React. */
export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => read(stdout));
	useEffect(() => {
		const onResize = () => {
			setSize(previous => {
				const next = read(stdout);
				return next.columns === previous.columns && next.rows === previous.rows ? previous : next;
			});
		};

		onResize();
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
