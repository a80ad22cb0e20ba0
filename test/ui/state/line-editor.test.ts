import {describe, expect, test} from 'vitest';
import {parseKeys} from '../../../source/ui/keys.js';
import {edit, type EditOperation, type Line} from '../../../source/ui/state/line-editor.js';

/** `|` marks the cursor. */
function line(text: string): Line {
	return {value: text.replace('|', ''), cursor: text.indexOf('|')};
}

function shown({value, cursor}: Line): string {
	return `${value.slice(0, cursor)}|${value.slice(cursor)}`;
}

function after(text: string, ...operations: EditOperation[]): string {
	return shown(operations.reduce((current, operation) => edit(current, operation).line, line(text)));
}

describe('line editor (readline keys)', () => {
	test.each([
		['hello wor|ld', {type: 'start'}, '|hello world'],
		['hel|lo world', {type: 'end'}, 'hello world|'],
		['hello world|', {type: 'rubout_word'}, 'hello |'],
		['cd /usr/lo|cal', {type: 'rubout_word'}, 'cd |cal'],
		['cd /usr/lo|cal', {type: 'backward_kill_word'}, 'cd /usr/|cal'],
		['hello |world', {type: 'kill_word'}, 'hello |'],
		['hello |world', {type: 'kill_to_start'}, '|world'],
		['hello |world', {type: 'kill_to_end'}, 'hello |'],
		['hello |world', {type: 'delete'}, 'hello |orld'],
		['hello |world', {type: 'backspace'}, 'hello|world'],
		['one two |three', {type: 'word_left'}, 'one |two three'],
		['one| two three', {type: 'word_right'}, 'one two| three'],
		['|', {type: 'backspace'}, '|'],
		['abc|', {type: 'delete'}, 'abc|'],
	] as const)('%s, %j → %s', (start, operation, expected) => {
		expect(after(start, operation)).toBe(expected);
	});

	test('the cursor steps over a whole emoji, and Backspace deletes all of it', () => {
		expect(after('a👍🏽|b', {type: 'left'})).toBe('a|👍🏽b');
		expect(after('a👨‍👩‍👧|b', {type: 'backspace'})).toBe('a|b');
		expect(after('a|👍🏽b', {type: 'delete'})).toBe('a|b');
	});

	test('a kill says what it took (Ctrl+Y puts it back)', () => {
		expect(edit(line('hello |world'), {type: 'kill_to_end'}).killed).toBe('world');
	});
});

describe('keys from the terminal', () => {
	test.each([
		['\u0001', {kind: 'ctrl', letter: 'a'}],
		['\u0017', {kind: 'ctrl', letter: 'w'}],
		['\u007F', {kind: 'backspace', word: false}],
		['\u001B\u007F', {kind: 'backspace', word: true}],
		['\u001B[3~', {kind: 'delete'}],
		['\u001B[H', {kind: 'home', far: false}],
		['\u001B[1~', {kind: 'home', far: false}],
		['\u001B[F', {kind: 'end', far: false}],
		['\u001B[1;5H', {kind: 'home', far: true}],
		['\u001B[1;5D', {kind: 'left', word: true}],
		['\u001B[1;3C', {kind: 'right', word: true}],
		['\u001B[5~', {kind: 'page_up', far: false}],
		['\u001B[5;2~', {kind: 'page_up', far: true}],
		['\u001B[6;3~', {kind: 'page_down', far: true}],
		['\u001Bb', {kind: 'alt', letter: 'b'}],
		['\u001B1', {kind: 'alt', letter: '1'}],
		['\u001B[200~', {kind: 'paste_start'}],
		['\u001B[201~', {kind: 'paste_end'}],
		['\u001B', {kind: 'escape'}],
		['\u001B[Z', {kind: 'backtab'}],
		['\u001BOH', {kind: 'home', far: false}],
		['\u001B[99x', {kind: 'unknown'}],
		['\u001B[I', {kind: 'focus', focused: true}],
		['\u001B[O', {kind: 'focus', focused: false}],
		['\u001B[1;5I', {kind: 'unknown'}],
	] as const)('%j', (raw, key) => {
		expect(parseKeys(raw)).toEqual([key]);
	});

	test('a read of text with line ends is text, Enter, text (tmux and fast typists send such reads)', () => {
		expect(parseKeys('hello\rworld\n')).toEqual([
			{kind: 'text', text: 'hello'}, {kind: 'enter', raw: '\r'}, {kind: 'text', text: 'world'}, {kind: 'enter', raw: '\n'},
		]);
	});
});
