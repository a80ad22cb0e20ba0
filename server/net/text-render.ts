import type {ServerEvent} from '../../source/protocol/index.js';

function pad(value: number): string {
	return value < 10 ? `0${value}` : String(value);
}

let lastTs = '';
let lastStamp = '';
/** The local day the last stamp was made on (`YYYY-MM-DD`), and when that day starts and ends. */
let today = '';
let todayStarts = 0;
let todayEnds = 0;

function dayOf(date: Date): string {
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
`[12:00:01]` in the server's local time, as text mode shows it; a message from another day (history,
a resume, a DM that waited) also gets its date: `[2026-01-02 10:00:00]`. Messages of one
millisecond share their `ts`, so the last stamp is kept.
*/
export function clockStamp(ts: string, now = Date.now()): string {
	if (now >= todayEnds || now < todayStarts) {
		const midnight = new Date(now);
		today = dayOf(midnight);
		midnight.setHours(0, 0, 0, 0);
		todayStarts = midnight.getTime();
		midnight.setHours(24, 0, 0, 0);
		todayEnds = midnight.getTime();
		lastTs = '';
	}

	if (ts !== lastTs) {
		const date = new Date(ts);
		const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
		const day = dayOf(date);
		lastStamp = day === today ? `[${time}]` : `[${day} ${time}]`;
		lastTs = ts;
	}

	return lastStamp;
}

/** An event as text mode prints it (docs/protocol.md, "Text mode"), without the newline. */
export function renderTextLine(event: ServerEvent): string {
	switch (event.type) {
		case 'msg': {
			return event.action
				? `${clockStamp(event.ts)} [private] ${event.from} -> ${event.to}: * ${event.from} ${event.text}`
				: `${clockStamp(event.ts)} [private] ${event.from} -> ${event.to}: ${event.text}`;
		}

		case 'broadcast': {
			return event.action
				? `${clockStamp(event.ts)} [broadcast] * ${event.from} ${event.text}`
				: `${clockStamp(event.ts)} [broadcast] ${event.from}: ${event.text}`;
		}

		case 'group_msg': {
			return event.action
				? `${clockStamp(event.ts)} [#${event.group}] * ${event.from} ${event.text}`
				: `${clockStamp(event.ts)} [#${event.group}] ${event.from}: ${event.text}`;
		}

		case 'membership': {
			return `${clockStamp(event.ts)} [#${event.group}] * ${event.user} ${event.joined ? 'joined' : 'left'}`;
		}

		case 'presence': {
			return `* ${event.user} ${event.online ? 'is online' : 'went offline'}`;
		}

		case 'ok': {
			if (event.command === 'history' && event.messages.length > 0) {
				return `${event.messages.map(message => renderTextLine(message)).join('\n')}\nok: ${event.text}`;
			}

			return `ok: ${event.text}`;
		}

		case 'login_ok': {
			return `ok: ${event.text}`;
		}

		case 'gap': {
			return `* ${event.skipped} earlier messages of ${event.conversation} not shown (/history ${event.conversation} before ${event.before})`;
		}

		case 'resumed': {
			return `* caught up: ${event.messages} missed messages`;
		}

		case 'read': {
			return `* ${event.conversation} read up to ${event.seq}`;
		}

		case 'error': {
			return `error: ${event.message}`;
		}

		case 'notice': {
			return `notice: ${event.text}`;
		}

		case 'bye': {
			return `bye: ${event.text}`;
		}

		case 'pong': {
			return 'pong';
		}

		case 'welcome': {
			return `${event.server} ${event.version}, protocol ${event.protocol}`;
		}
	}
}
