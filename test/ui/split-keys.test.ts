import {expect, test} from 'vitest';
import {splitKeys} from '../../source/ui/split-keys.js';

test('one terminal read becomes one key per control character and escape sequence; text runs stay whole', () => {
	expect(splitKeys('hello\r')).toEqual(['hello', '\r']);
	expect(splitKeys('\u000Etime\r\u007F\u007F')).toEqual(['\u000E', 'time', '\r', '\u007F', '\u007F']);
	expect(splitKeys('\u001B[A\u001B[5~x')).toEqual(['\u001B[A', '\u001B[5~x']);
	expect(splitKeys('\u001B\u007F')).toEqual(['\u001B\u007F']);
	expect(splitKeys('plain paste with spaces')).toEqual(['plain paste with spaces']);
});
