import {describe, expect, it} from 'vitest';
import {clockStamp, renderTextLine} from '../../../server/net/text-render.js';

/** A local time as an ISO string (the tests run in the machine's time zone, as the server does). */
function local(year: number, month: number, day: number, hours: number, minutes: number, seconds: number): string {
	return new Date(year, month - 1, day, hours, minutes, seconds).toISOString();
}

describe('text mode time stamps', () => {
	const now = new Date(2026, 10, 27, 15, 0, 0).getTime();

	it('shows the time alone for today, and the date too for any other day', () => {
		expect(clockStamp(local(2026, 11, 27, 9, 5, 7), now)).toBe('[09:05:07]');
		expect(clockStamp(local(2026, 11, 27, 0, 0, 0), now)).toBe('[00:00:00]');
		expect(clockStamp(local(2026, 11, 26, 23, 59, 59), now)).toBe('[2026-11-26 23:59:59]');
		expect(clockStamp(local(2026, 1, 2, 10, 0, 0), now)).toBe('[2026-01-02 10:00:00]');
		// Past midnight, yesterday's messages get their date.
		const tomorrow = new Date(2026, 10, 28, 0, 0, 1).getTime();
		expect(clockStamp(local(2026, 11, 27, 9, 5, 7), tomorrow)).toBe('[2026-11-27 09:05:07]');
		expect(clockStamp(local(2026, 11, 28, 0, 0, 0), tomorrow)).toBe('[00:00:00]');
	});

	it('a history line from another day carries its date', () => {
		const ts = new Date(2026, 0, 2, 10, 0, 0).toISOString();
		expect(renderTextLine({type: 'group_msg', msgid: '01JDXYZ0000000000000000000', seq: 1, ts, from: 'alice', group: 'dev', text: 'hi'})).toBe('[2026-01-02 10:00:00] [#dev] alice: hi');
	});
});
