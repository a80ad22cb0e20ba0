import process from 'node:process';
import type {ReactNode} from 'react';
import {render} from 'ink';
import {keySplittingStdin} from './split-keys.js';

const enterAlternateScreen = '\u001B[?1049h';
const leaveAlternateScreen = '\u001B[?1049l';

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
			process.stdout.write(leaveAlternateScreen);
		}
	};

	process.stdout.write(enterAlternateScreen);
	process.once('exit', restore);
	// Ctrl+C is a key in raw mode, which the app handles itself; SIGINT still comes from `kill -INT`.
	const instance = render(node, {exitOnCtrlC: false, stdin: keySplittingStdin(process.stdin)});
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
