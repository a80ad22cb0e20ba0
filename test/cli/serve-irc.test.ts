import process from 'node:process';
import {afterEach, describe, expect, test} from 'vitest';
import {parseServeSettings} from '../../source/commands/serve.js';

afterEach(() => {
	delete process.env['NATTER_IRC_PORT'];
});

describe('natter serve: --irc-port', () => {
	test('is off by default, set by the flag or NATTER_IRC_PORT (the flag wins); 0 picks a free port', () => {
		expect(parseServeSettings({}).ircPort).toBeUndefined();
		expect(parseServeSettings({ircPort: '6667'}).ircPort).toBe(6667);
		expect(parseServeSettings({ircPort: '0'}).ircPort).toBe(0);
		process.env['NATTER_IRC_PORT'] = '6697';
		expect(parseServeSettings({}).ircPort).toBe(6697);
		expect(parseServeSettings({ircPort: '7000'}).ircPort).toBe(7000);
	});

	test('a bad port is a usage error naming where it came from', () => {
		expect(() => parseServeSettings({ircPort: 'irc'})).toThrow('--irc-port must be an integer 0 to 65535, not "irc"');
		process.env['NATTER_IRC_PORT'] = '70000';
		expect(() => parseServeSettings({})).toThrow('NATTER_IRC_PORT must be an integer 0 to 65535, not "70000"');
	});
});
