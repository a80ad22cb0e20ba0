import {advanceKeyTick} from './hooks/key-tick.js';

const escape = '\u001B';

function isControl(code: number): boolean {
	return code < 0x20 || code === 0x7F;
}

/**
Split one terminal read into keys: every control character (Enter, Backspace, Ctrl+N…) on its
own, every escape sequence starting a new piece, printable runs kept whole (a paste stays one
insert). Ink 6 treats a read as one key unless it holds an escape, so `hello\r` from a fast
paste or tmux would otherwise be typed as text, carriage return and all.
*/
export function splitKeys(chunk: string): string[] {
	const keys: string[] = [];
	let current = '';
	for (let index = 0; index < chunk.length; index++) {
		const character = chunk[index]!;
		const code = character.charCodeAt(0);
		if (character === escape) {
			if (current !== '') {
				keys.push(current);
			}

			current = character;
		} else if (isControl(code)) {
			if (current === escape) {
				// Meta plus a control key (Alt+Backspace): one key.
				keys.push(current + character);
			} else {
				if (current !== '') {
					keys.push(current);
				}

				keys.push(character);
			}

			current = '';
		} else {
			current += character;
		}
	}

	if (current !== '') {
		keys.push(current);
	}

	return keys;
}

/**
A view of `stdin` whose `read()` returns one key at a time (see `splitKeys`); everything else
goes to the real stream. Ink reads with `read()` after `readable`, handling each read fully
before the next, so each key also gets its own tick.
*/
export function keySplittingStdin(stdin: NodeJS.ReadStream): NodeJS.ReadStream {
	const queue: string[] = [];
	const read = () => {
		if (queue.length === 0) {
			const chunk: unknown = stdin.read();
			if (chunk === null) {
				return null;
			}

			queue.push(...splitKeys(String(chunk)));
		}

		const key = queue.shift();
		if (key === undefined) {
			return null;
		}

		advanceKeyTick();
		return key;
	};

	return new Proxy(stdin, {
		get(target, property) {
			if (property === 'read') {
				return read;
			}

			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
		},
	});
}
