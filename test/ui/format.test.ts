import {describe, expect, it} from 'vitest';
import {formatTime} from '../../source/ui/format.js';

describe('the TUI\'s message times', () => {
	const now = new Date(2026, 10, 27, 15, 0, 0);
	const at = (year: number, month: number, day: number, hours: number, minutes: number) => new Date(year, month - 1, day, hours, minutes).toISOString();

	it('shows HH:MM for today, the day too for earlier days of this year, and the full date for other years', () => {
		expect(formatTime(at(2026, 11, 27, 9, 5), now)).toBe('09:05');
		expect(formatTime(at(2026, 11, 26, 23, 59), now)).toBe('Nov 26 23:59');
		expect(formatTime(at(2026, 1, 2, 10, 0), now)).toBe('Jan 2 10:00');
		expect(formatTime(at(2025, 12, 31, 8, 30), now)).toBe('2025-12-31 08:30');
		expect(formatTime('not a time', now)).toBe('--:--');
	});
});
