import process from 'node:process';
import type {ReactNode} from 'react';
import {render} from 'ink';
const enterAlternateScreen = '\u001B[?1049h';
const leaveAlternateScreen = '\u001B[?1049l';
// A paste arrives between ESC[200~ and ESC[201~, so it is not typed line by line (keys.ts).
const bracketedPasteOn = '\u001B[?2004h';
const bracketedPasteOff = '\u001B[?2004l';
// Focus reports (ESC[I / ESC[O): a mention in the open conversation rings only while the terminal is not in front.
const focusReportsOn = '\u001B[?1004h';
const focusReportsOff = '\u001B[?1004l';
// xterm's title stack: the title the screen sets (unread counts) is taken back on the way out.
const saveTitle = '\u001B[22;0t';
const restoreTitle = '\u001B[23;0t';

/** Raw mode needs a terminal on both ends; Ink's own failure is a stack trace that exits 0. */
export function terminalProblem(command: string): string | undefined {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		return `natter ${command} is an interactive terminal app: run it in a terminal (stdin and stdout must be a TTY).\nFor scripts and bots use "natter pipe" instead.\n`;
	}

	return undefined;
}

/**
Render `node` on the alternate screen until the app exits, and always put the user's screen back:
on a normal exit, an error, SIGTERM/SIGHUP, or a crash (the `exit` hook).
*/
export async function runFullScreen(node: ReactNode, onSignal?: () => void): Promise<void> {
	let restored = false;
	const restore = () => {
		if (!restored) {
			restored = true;
			process.stdout.write(focusReportsOff + bracketedPasteOff + leaveAlternateScreen + restoreTitle);
		}
	};

	process.stdout.write(saveTitle + enterAlternateScreen + bracketedPasteOn + focusReportsOn);
	process.once('exit', restore);
	// Ctrl+C is a key in raw mode, which the app handles itself; SIGINT still comes from `kill -INT`.
	const instance = render(node, {exitOnCtrlC: false});
	const stop = () => {
		onSignal?.();
		instance.unmount();
	};

	const signals = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
	for (const signal of signals) {
		process.once(signal, stop);
	}

	try {
		await instance.waitUntilExit();
	} finally {
		for (const signal of signals) {
			process.off(signal, stop);
		}

		instance.cleanup();
		restore();
		process.off('exit', restore);
	}
}
