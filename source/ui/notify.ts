import {sanitizeText} from '../protocol/index.js';
import type {Alert, ChatState} from './state/types.js';

/** How the screen gets the user's attention (config file, `--no-bell`). */
export type NotifySettings = {
	/** A terminal bell on a mention or a direct message in a conversation not in view. */
	readonly bell: boolean;
	/** Also a desktop notification through the terminal: OSC 777 (rxvt, foot, Ghostty, WezTerm…) or OSC 9 (iTerm2, Windows Terminal, kitty…). */
	readonly desktop: 'off' | 'osc777' | 'osc9';
	/** The terminal's title shows the unread count. */
	readonly title: boolean;
};

export const defaultNotifySettings: NotifySettings = {bell: true, desktop: 'off', title: true};

const bell = '\u0007';

/** Text safe inside an OSC string: no controls (sanitizeText), no `;` that would split its fields, short. */
function oscText(text: string): string {
	return sanitizeText(text).replaceAll(';', ',').slice(0, 200);
}

/** What to write to the terminal for one alert (empty: nothing). */
export function alertSequence(settings: NotifySettings, alert: Alert): string {
	let out = settings.bell ? bell : '';
	const where = alert.conversation.startsWith('@') ? 'direct message' : alert.conversation;
	const body = oscText(`${alert.from}: ${alert.text}`);
	if (settings.desktop === 'osc777') {
		out += `\u001B]777;notify;natter: ${oscText(where)};${body}${bell}`;
	} else if (settings.desktop === 'osc9') {
		out += `\u001B]9;natter ${oscText(where)}: ${body}${bell}`;
	}

	return out;
}

/** Unread messages and mentions over every conversation. */
export function unreadTotals(state: Pick<ChatState, 'conversations'>): {unread: number; mentions: number} {
	let unread = 0;
	let mentions = 0;
	for (const conversation of Object.values(state.conversations)) {
		unread += conversation.unread;
		mentions += conversation.mentions;
	}

	return {unread, mentions};
}

/** The terminal title (OSC 2): `natter (3) alice@host`, the count left out at 0. */
export function titleSequence(me: string, server: string, unread: number): string {
	const count = unread > 0 ? ` (${unread})` : '';
	return `\u001B]2;${oscText(`natter${count} ${me}@${server}`)}${bell}`;
}
