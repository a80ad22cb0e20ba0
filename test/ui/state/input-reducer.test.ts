import {Buffer} from 'node:buffer';
import {describe, expect, test} from 'vitest';
import {complete} from '../../../source/ui/state/completion.js';
import {initialInputState, inputReducer, messageSized, type InputAction, type InputState} from '../../../source/ui/state/input-reducer.js';

const sources = {users: ['bob', 'bobby', 'carol'], groups: ['dev', 'design', 'ops']};

function run(state: InputState, ...actions: InputAction[]): InputState {
	return actions.reduce(inputReducer, state);
}

function typed(value: string): InputAction {
	return {type: 'edit', operation: {type: 'insert', text: value}};
}

function send(state: InputState, value: string): InputState {
	return run(state, {type: 'edit', operation: {type: 'kill_to_start'}}, {type: 'edit', operation: {type: 'kill_to_end'}}, typed(value), {type: 'submit'});
}

describe('input history', () => {
	test('Up walks back through sent lines, Down returns to the draft', () => {
		let state = send(send(initialInputState, 'first'), 'second');
		expect(state.outbox.map(item => item.value)).toEqual(['first', 'second']);
		state = run(state, typed('draft'));
		state = run(state, {type: 'history', step: -1});
		expect(state.value).toBe('second');
		state = run(state, {type: 'history', step: -1}, {type: 'history', step: -1});
		expect(state.value).toBe('first');
		state = run(state, {type: 'history', step: 1});
		expect(state.value).toBe('second');
		state = run(state, {type: 'history', step: 1});
		expect(state.value).toBe('draft');
		expect(state.historyIndex).toBe(-1);
	});

	test('a recalled line has its cursor at the end', () => {
		const state = run(send(initialInputState, 'hello'), {type: 'history', step: -1}, typed('X'));
		expect(state.value).toBe('helloX');
	});

	test('blank lines are not sent or remembered; a repeat is remembered once', () => {
		const state = send(send(send(initialInputState, '   '), 'again'), 'again');
		expect(state.history).toEqual(['again']);
		expect(state.outbox.map(item => item.value)).toEqual(['again', 'again']);
		expect(run(state, {type: 'taken', upTo: state.outbox[0]!.seq}).outbox).toHaveLength(1);
	});
});

describe('Tab completion', () => {
	test('command names at the start of a slash line', () => {
		expect(complete('/mem', sources)?.candidates).toEqual(['/members ']);
		expect(complete('/me', sources)?.candidates).toEqual(['/me ', '/members ']);
		expect(complete('/', sources)?.candidates).toContain('/join_group ');
		// The TUI's own commands too, with their arguments: /me takes text here (the open conversation is filled in).
		expect(complete('/qu', sources)?.candidates).toEqual(['/query ', '/quit ']);
		expect(complete('/query b', sources)?.candidates).toEqual(['bob ', 'bobby ']);
		expect(complete('/me hi ca', sources)?.candidates).toEqual(['carol ']);
		expect(complete('/zzz', sources)).toBeUndefined();
	});

	test('user and group names where the command wants them; user names inside text', () => {
		expect(complete('/msg b', sources)?.candidates).toEqual(['bob ', 'bobby ']);
		expect(complete('/join_group d', sources)?.candidates).toEqual(['dev ', 'design ']);
		expect(complete('/group_msg dev hi ca', sources)?.candidates).toEqual(['carol ']);
		expect(complete('/help gr', sources)?.candidates).toEqual(['group_msg ', 'groups ']);
		expect(complete('thanks @ca', sources)).toEqual({head: 'thanks ', candidates: ['@carol ']});
		expect(complete('/users x', sources)).toBeUndefined();
	});

	test('/history and /read complete conversations (#group, @user, *) and the paging word', () => {
		expect(complete('/history #d', sources)?.candidates).toEqual(['#dev ', '#design ']);
		expect(complete('/read @b', sources)?.candidates).toEqual(['@bob ', '@bobby ']);
		expect(complete('/history ', sources)?.candidates).toContain('* ');
		expect(complete('/history #dev b', sources)?.candidates).toEqual(['before ']);
		expect(complete('/read #dev 4', sources)).toBeUndefined();
	});

	test('repeated Tab cycles through the candidates and wraps', () => {
		let state = run(initialInputState, typed('/msg b'));
		const seen: string[] = [];
		for (let press = 0; press < 3; press++) {
			state = run(state, {type: 'complete', sources});
			seen.push(state.value);
		}

		expect(seen).toEqual(['/msg bob ', '/msg bobby ', '/msg bob ']);
		expect(state.completion?.candidates).toEqual(['bob ', 'bobby ']);
		state = run(state, typed('h'));
		expect(state.completion).toBeUndefined();
	});
});

describe('a paste', () => {
	const paste = (text: string) => run(initialInputState, {type: 'paste_start'}, {type: 'paste_text', text}, {type: 'paste_end'});

	test('of one line is inserted at the cursor, control characters left out', () => {
		const state = run(initialInputState, typed('ab'), {type: 'edit', operation: {type: 'left'}}, {type: 'paste_start'}, {type: 'paste_text', text: 'X\u001B[2JY\tZ'}, {type: 'paste_end'});
		expect(state.value).toBe('aX[2JY Zb');
		expect(state.pasted).toBeUndefined();
	});

	test('of many lines waits for Enter, then every line is queued in order as text (even one that looks like a command)', () => {
		const waiting = paste('line 1\r\nline 2\n\n/exit not a command\rline 4\n');
		expect(waiting.pasted).toEqual(['line 1', 'line 2', '', '/exit not a command', 'line 4']);
		expect(waiting.outbox).toEqual([]);
		const sent = run(waiting, {type: 'submit'});
		expect(sent.outbox.map(item => [item.value, item.literal])).toEqual([['line 1', true], ['line 2', true], ['/exit not a command', true], ['line 4', true]]);
		expect(sent.pasted).toBeUndefined();
	});

	test('of many lines is dropped by Esc; a line longer than a message is sent in pieces', () => {
		expect(run(paste('a\nb'), {type: 'cancel'}).pasted).toBeUndefined();
		const long = run(paste(`short\n${'x'.repeat(9000)}`), {type: 'submit'});
		expect(long.outbox.map(item => item.value.length)).toEqual([5, 4000, 4000, 1000]);
	});
});

describe('a typed line longer than a message may be', () => {
	test('goes as several messages, cut at a space near the limit, never inside an emoji; the whole line is one history entry', () => {
		const words = 'word '.repeat(1000).trim();
		let state = run(initialInputState, {type: 'edit', operation: {type: 'insert', text: words}});
		state = run(state, {type: 'submit'});
		const pieces = state.outbox.map(item => item.value);
		expect(pieces.every(piece => piece.length <= 4000)).toBe(true);
		expect(pieces.join('')).toBe(words);
		expect(pieces[0]!.endsWith('word ')).toBe(true);
		expect(state.outbox.every(item => item.literal === true)).toBe(true);
		expect(state.history).toEqual([words]);

		const emoji = `${'x'.repeat(3999)}😀${'y'.repeat(10)}`;
		expect(messageSized(emoji)).toEqual(['x'.repeat(3999), `😀${'y'.repeat(10)}`]);
		expect(messageSized('z'.repeat(8001)).map(piece => piece.length)).toEqual([4000, 4000, 1]);
		// CJK reaches the 8192-byte line limit before 4000 characters: pieces small enough for it.
		const cjk = '漢'.repeat(9000);
		const cjkPieces = messageSized(cjk);
		expect(cjkPieces.join('')).toBe(cjk);
		expect(cjkPieces.every(piece => Buffer.byteLength(JSON.stringify({type: 'command', id: 12_345, line: `/group_msg some-group-name ${piece}`})) < 8192)).toBe(true);
		expect(cjkPieces.length).toBe(4);
	});

	test('a command stays one line (the server judges it), and a short line is sent as typed', () => {
		const command = `/msg bob ${'x'.repeat(4500)}`;
		let state = run(initialInputState, {type: 'edit', operation: {type: 'insert', text: command}});
		state = run(state, {type: 'submit'});
		expect(state.outbox.map(item => [item.value, item.literal])).toEqual([[command, undefined]]);
		state = run(state, {type: 'edit', operation: {type: 'insert', text: 'hi'}});
		state = run(state, {type: 'submit'});
		expect(state.outbox.at(-1)).toMatchObject({value: 'hi'});
		expect(state.outbox.at(-1)!.literal).toBeUndefined();
	});
});
