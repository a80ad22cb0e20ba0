import {describe, expect, test} from 'vitest';
import {isValidName, MAX_NAME_LENGTH, nameProblem, normalizeName} from '../../source/protocol/index.js';

describe('names', () => {
	test('normalizeName lower-cases, so Alice and alice are one name', () => {
		expect(normalizeName('Alice')).toBe('alice');
		expect(normalizeName('alice')).toBe(normalizeName('ALICE'));
	});

	test.each(['a', 'alice', 'Alice', '7of9', 'a_b-c', 'x'.repeat(MAX_NAME_LENGTH), '0'])('valid: %j', name => {
		expect(nameProblem(name, 'user')).toBeUndefined();
		expect(isValidName(name)).toBe(true);
	});

	test('empty', () => {
		expect(nameProblem('', 'group')).toBe('group name is empty');
	});

	test('too long', () => {
		expect(nameProblem('x'.repeat(MAX_NAME_LENGTH + 1), 'user')).toBe(`user name is longer than ${MAX_NAME_LENGTH} characters`);
	});

	test.each(['_a', '-a', 'a b', 'a.b', 'é', 'ǅ', 'a\u0000', 'a\n', '🎉', 'a@b', 'K\u212A'])('invalid characters: %j', name => {
		expect(nameProblem(name, 'user')).toBe('user name may only hold letters, digits, \'_\' and \'-\', and must start with a letter or digit');
		expect(isValidName(name)).toBe(false);
	});
});
