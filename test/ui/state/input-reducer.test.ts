import {describe, expect, test} from 'vitest';
import {complete} from '../../../source/ui/state/completion.js';
import {applyEdit} from '../../../source/ui/state/edit.js';
import {initialInputState, inputReducer, type InputAction, type InputState} from '../../../source/ui/state/input-reducer.js';

const sources = {users: ['bob', 'bobby', 'carol'], groups: ['dev', 'design', 'ops']};

function run(state: InputState, ...actions: InputAction[]): InputState {
	return actions.reduce(inputReducer, state);
}

function typed(value: string, tick = 0): InputAction {
	return {type: 'change', base: '', next: value, tick};
}

function send(state: InputState, value: string): InputState {
	return run(state, {type: 'change', base: state.value, next: value, tick: -1}, {type: 'submit'});
}

describe('input history', () => {
	test('Up walks back through sent lines, Down returns to the draft', () => {
		let state = send(send(initialInputState, 'first'), 'second');
		expect(state.outbox.map(item => item.value)).toEqual(['first', 'second']);
		state = run(state, {type: 'change', base: '', next: 'draft', tick: 1});
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

	test('recalling remounts the text input (a new version) so its cursor goes to the end', () => {
		const state = send(initialInputState, 'hello');
		expect(run(state, {type: 'history', step: -1}).version).toBeGreaterThan(state.version);
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
		state = run(state, {type: 'change', base: state.value, next: `${state.value}h`, tick: 5});
		expect(state.completion).toBeUndefined();
	});
});

describe('keys that reach a stale text input', () => {
	test('a burst of edits computed from an old value is replayed on the current one', () => {
		// Three keys handled by one stale input that still thinks the value is "": h, i, then Backspace.
		let state = run(initialInputState, {type: 'change', base: '', next: 'h', tick: 1});
		state = run(state, {type: 'change', base: '', next: 'i', tick: 2});
		expect(state.value).toBe('hi');
		state = run(state, {type: 'change', base: 'hi', next: 'h', tick: 3}, {type: 'change', base: 'hi', next: 'h', tick: 4});
		expect(state.value).toBe('');
		expect(applyEdit('hello world', 'hello orld', 'hello Xorld')).toEqual({value: 'hello wXorld', stale: true});
	});

	test('Ctrl+N inserts no "n", whichever handler sees the key first', () => {
		const base = run(initialInputState, typed('abc', 1));
		const inputFirst = run(base, {type: 'change', base: 'abc', next: 'abcn', tick: 2}, {type: 'shortcut', letter: 'n', tick: 2});
		const shortcutFirst = run(base, {type: 'shortcut', letter: 'n', tick: 2}, {type: 'change', base: 'abc', next: 'abcn', tick: 2});
		expect(inputFirst.value).toBe('abc');
		expect(shortcutFirst.value).toBe('abc');
		// A real "n" typed as the next key is kept.
		expect(run(shortcutFirst, {type: 'change', base: 'abc', next: 'abcn', tick: 3}).value).toBe('abcn');
	});

	test('pasted control characters never reach the line', () => {
		expect(run(initialInputState, typed('a\u001B[2Jb\tc\r')).value).toBe('a[2Jb c');
	});
});
