import {describe, expect, test} from 'vitest';
import {hasUnsafeCharacters, sanitizeText} from '../../source/protocol/index.js';

describe('sanitizeText', () => {
	test.each<[string, string, string]>([
		['ESC of a colour sequence', 'a\u001B[31mred\u001B[0m', 'a[31mred[0m'],
		['ESC of a cursor move and screen clear', '\u001B[2J\u001B[H\u001B]0;title\u0007x', '[2J[H]0;titlex'],
		['C1 CSI (\\x9b)', 'a\u009B31mb', 'a31mb'],
		['other C1 controls (\\x80-\\x9f)', '\u0080a\u0085b\u009F', 'ab'],
		['BEL', 'ding\u0007dong', 'dingdong'],
		['backspace and DEL', 'ab\bc\u007Fd', 'abcd'],
		['NUL', 'a\u0000b', 'ab'],
		['CR and LF (a message cannot fake a second line)', 'a\rb\nc', 'abc'],
		['bidi overrides and embeddings (U+202A-U+202E)', '\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee', 'abcde'],
		['bidi isolates (U+2066-U+2069)', '\u2066a\u2067b\u2068c\u2069', 'abc'],
		['line and paragraph separators (U+2028, U+2029)', 'a\u2028b\u2029c', 'abc'],
		['zero-width space, non-joiner, marks (U+200B-U+200F)', 'a\u200Bb\u200Cc\u200Dd\u200Ee\u200Ff', 'abcdef'],
		['the Arabic letter mark (U+061C)', 'a\u061Cb', 'ab'],
		['the word joiner, invisible operators and BOM', 'a\u2060b\u2064c\uFEFFd', 'abcd'],
		['a zero-width joiner that joins no emoji', '🎉\u200Da\u200D🎉', '🎉a🎉'],
	])('removes %s', (_what, input, output) => {
		expect(sanitizeText(input)).toBe(output);
	});

	test('turns a tab into one space', () => {
		expect(sanitizeText('a\tb\t\tc')).toBe('a b  c');
	});

	test('keeps emoji, accents, CJK, right-to-left script and ordinary punctuation', () => {
		const text = 'héllo wörld ñ 🎉👍🏽 👨‍👩‍👧 日本語 שלום مرحبا <>&"\' ~`{}[]\\|';
		expect(sanitizeText(text)).toBe(text);
	});

	test('keeps runs of up to three spaces exactly', () => {
		expect(sanitizeText('  a   b  ')).toBe('  a   b  ');
	});

	test('cuts a longer run of spaces to three, so padding cannot push a fake line onto its own row', () => {
		const spoof = `hi${' '.repeat(70)}[12:00:05] [private] bob -> carol: send me your password`;
		expect(sanitizeText(spoof)).toBe('hi   [12:00:05] [private] bob -> carol: send me your password');
		expect(sanitizeText('a\t\t\t\tb')).toBe('a   b');
	});

	test('counts spaces of other widths as spaces (no-break, em, ideographic…)', () => {
		expect(sanitizeText('a\u00A0b\u2003c\u3000d')).toBe('a b c d');
		expect(sanitizeText(`a${'\u00A0'.repeat(40)}b`)).toBe('a   b');
	});

	test('replaces a lone surrogate with U+FFFD and keeps pairs', () => {
		expect(sanitizeText('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
		expect(sanitizeText('\uD83C\uDF89')).toBe('🎉');
	});

	test('is idempotent', () => {
		const dirty = '\u001B[1m\tbold\u009B\u202E  \u200B  \u00A0 x\uD800\u200D🎉';
		expect(sanitizeText(sanitizeText(dirty))).toBe(sanitizeText(dirty));
	});

	test('leaves nothing a terminal would act on, for every code point below U+00A0', () => {
		let all = '';
		for (let code = 0; code < 0xA0; code++) {
			all += String.fromCodePoint(code);
		}

		const clean = sanitizeText(all);
		expect(clean).toMatch(/^[\u0020-\u007E]+$/);
		expect(clean).toBe(` ${all.slice(0x20, 0x7F)}`);
	});
});

describe('hasUnsafeCharacters', () => {
	test('is true exactly when sanitizeText would change the text', () => {
		for (const text of ['plain', 'a\tb', '\u001B[0m', '\u009B', '\u202E', 'é🎉', '', 'x\u0007', 'a    b', 'a\u2028', '\uDC00', '👨‍👩‍👧']) {
			expect(hasUnsafeCharacters(text)).toBe(sanitizeText(text) !== text);
		}
	});

	test('gives the same answer when called twice (no regex state leaks between calls)', () => {
		expect(hasUnsafeCharacters('\u0007')).toBe(true);
		expect(hasUnsafeCharacters('\u0007')).toBe(true);
		expect(hasUnsafeCharacters('ok')).toBe(false);
	});
});
