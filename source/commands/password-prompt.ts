import type {ReadStream} from 'node:tty';

/** The person pressed Ctrl+C, or ended input (Ctrl+D on an empty line). */
export class PromptAbortedError extends Error {
	override readonly name = 'PromptAbortedError';
	readonly reason: 'interrupt' | 'end';

	constructor(reason: 'interrupt' | 'end') {
		super(reason === 'interrupt' ? 'interrupted' : 'input ended');
		this.reason = reason;
	}
}

const enter = new Set(['\r', '\n']);
const backspace = new Set(['\u007F', '\b']);
const interrupt = '\u0003';
const endOfInput = '\u0004';
const eraseLine = '\u0015';
const escape = '\u001B';

/**
Asks one masked question per prompt on a terminal, echoing `*` per character, and returns the
answers. Keys typed ahead (a paste holding both answers) carry over to the next prompt. Arrow
keys and other escape sequences are ignored; Backspace and Ctrl+U edit.
*/
export async function promptMasked(prompts: readonly string[], input: ReadStream, output: NodeJS.WritableStream): Promise<string[]> {
	return new Promise((resolve, reject) => {
		const answers: string[] = [];
		let current: string[] = [];
		// 'none', just after ESC, or inside a CSI sequence (ESC [ ... final byte).
		let escapeState: 'none' | 'escape' | 'csi' = 'none';
		// A terminal sends \r for Enter; a \n right after it is the same Enter, not an empty answer.
		let afterCarriageReturn = false;

		const finish = (error?: PromptAbortedError): void => {
			input.off('data', onData);
			input.off('end', onEnd);
			input.setRawMode(false);
			input.pause();
			output.write('\n');
			if (error === undefined) {
				resolve(answers);
			} else {
				reject(error);
			}
		};

		const onEnd = (): void => {
			finish(new PromptAbortedError('end'));
		};

		// Returns true once the prompt is over.
		const onKey = (key: string): boolean => {
			const joinsEnter = afterCarriageReturn && key === '\n';
			afterCarriageReturn = key === '\r';
			if (joinsEnter) {
				return false;
			}

			if (escapeState === 'escape') {
				escapeState = key === '[' || key === 'O' ? 'csi' : 'none';
				return false;
			}

			if (escapeState === 'csi') {
				if (key >= '@' && key <= '~') {
					escapeState = 'none';
				}

				return false;
			}

			if (key === interrupt) {
				finish(new PromptAbortedError('interrupt'));
				return true;
			}

			if (key === endOfInput && current.length === 0) {
				finish(new PromptAbortedError('end'));
				return true;
			}

			if (enter.has(key)) {
				answers.push(current.join(''));
				current = [];
				const next = prompts[answers.length];
				if (next === undefined) {
					finish();
					return true;
				}

				output.write(`\n${next}`);
				return false;
			}

			if (backspace.has(key)) {
				if (current.pop() !== undefined) {
					output.write('\b \b');
				}
			} else if (key === eraseLine) {
				output.write('\b \b'.repeat(current.length));
				current = [];
			} else if (key === escape) {
				escapeState = 'escape';
			} else if (key >= ' ') {
				current.push(key);
				output.write('*');
			}

			return false;
		};

		const onData = (chunk: string): void => {
			for (const key of chunk) {
				if (onKey(key)) {
					return;
				}
			}
		};

		// Raw mode first: keys typed as soon as the prompt shows (Ctrl+C among them) must reach us, not the tty's line discipline.
		input.setRawMode(true);
		output.write(prompts[0] ?? '');
		input.setEncoding('utf8');
		input.on('data', onData);
		input.on('end', onEnd);
		input.resume();
	});
}
