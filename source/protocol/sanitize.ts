// C0 controls (but not tab, handled apart), DEL, C1 controls, and the Unicode
// bidi overrides/isolates that can reorder what a terminal shows.
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/**
Make text from another user safe to print on a terminal: no escape sequences, no cursor moves,
no colour changes. Tabs become a space; every other control character is removed.
*/
export function sanitizeText(text: string): string {
	return text.replaceAll('\t', ' ').replace(unsafe, '');
}

export function hasUnsafeCharacters(text: string): boolean {
	unsafe.lastIndex = 0;
	return text.includes('\t') || unsafe.test(text);
}
