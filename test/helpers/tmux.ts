import {spawnSync} from 'node:child_process';

export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;

/** Drives a private tmux server (its own socket, so a developer's tmux is never touched). */
export function tmuxDriver(socket: string): {
	tmux: (...args: string[]) => string;
	waitFor: (capture: () => string, predicate: (screen: string) => boolean, what: string, timeoutMs?: number) => Promise<string>;
} {
	const tmux = (...args: string[]): string => {
		const result = spawnSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
		if (result.status !== 0) {
			throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr}`);
		}

		return result.stdout;
	};

	/** Polls `capture` until `predicate` holds (no fixed sleeps: each poll waits one short tick). */
	const waitFor = async (capture: () => string, predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> => {
		const started = Date.now();
		for (;;) {
			const screen = capture();
			if (predicate(screen)) {
				return screen;
			}

			if (Date.now() - started > timeoutMs) {
				throw new Error(`timed out waiting for ${what}; the pane shows:\n${screen}`);
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 50);
			});
		}
	};

	return {tmux, waitFor};
}
