import {act, type ReactElement} from 'react';
import {cleanup, render} from 'ink-testing-library';
import {afterEach} from 'vitest';

(globalThis as {IS_REACT_ACT_ENVIRONMENT?: boolean}).IS_REACT_ACT_ENVIRONMENT = true;

export const keys = {
	enter: '\r',
	up: '\u001B[A',
	down: '\u001B[B',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	end: '\u001B[F',
	tab: '\t',
	backspace: '\u007F',
	ctrl: (letter: string) => String.fromCharCode(letter.charCodeAt(0) - 96),
};

export type Screen = {
	frame(): string;
	/** One write to stdin, in its own act() so React commits before the next key. */
	press(input: string): Promise<void>;
	/** Type text, then Enter. */
	submit(text: string): Promise<void>;
	waitFor(predicate: (frame: string) => boolean, what?: string, timeoutMs?: number): Promise<string>;
	resize(columns: number, rows: number): Promise<void>;
	unmount(): void;
};

/** Render under ink-testing-library with a terminal of the given size (its fake stdout has no rows). */
export function renderScreen(element: ReactElement, size = {columns: 100, rows: 30}): Screen {
	let instance!: ReturnType<typeof render>;
	act(() => {
		instance = render(element);
	});
	const {stdout, stdin} = instance;
	const setSize = (columns: number, rows: number) => {
		Object.defineProperty(stdout, 'columns', {get: () => columns, configurable: true});
		Object.defineProperty(stdout, 'rows', {get: () => rows, configurable: true});
	};

	setSize(size.columns, size.rows);
	act(() => {
		stdout.emit('resize');
	});
	const frame = () => instance.lastFrame() ?? '';
	const press = async (input: string) => {
		await act(async () => {
			stdin.write(input);
		});
	};

	return {
		frame,
		press,
		async submit(text) {
			await press(text);
			await press(keys.enter);
		},
		async waitFor(predicate, what = 'the expected screen', timeoutMs = 8000) {
			const started = Date.now();
			while (!predicate(frame())) {
				if (Date.now() - started > timeoutMs) {
					throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
				}

				await act(async () => {
					await new Promise(resolve => {
						setTimeout(resolve, 10);
					});
				});
			}

			return frame();
		},
		async resize(columns, rows) {
			setSize(columns, rows);
			await act(async () => {
				stdout.emit('resize');
			});
		},
		unmount() {
			act(() => {
				instance.unmount();
			});
		},
	};
}

/**
Unmounts every rendered app after each test, then closes what the test put in the returned list
(sessions, connections, servers, temp dirs), last first.
*/
export function cleanedUpAfterEach(): Array<{close(): Promise<void>}> {
	const toClose: Array<{close(): Promise<void>}> = [];
	afterEach(async () => {
		act(() => {
			cleanup();
		});
		for (const item of toClose.splice(0).reverse()) {
			await item.close().catch(() => undefined);
		}
	});
	return toClose;
}
