/**
ink-text-input computes each change from the `value` it was last rendered with, and Ink 6 hands
a burst of keys (a fast typist, a paste, tmux) to that same handler before React re-subscribes
it. So a change arrives as (base: the value the input saw, next: what it made of it). When base
is behind the current value, replay the same edit on the current value, anchored to the text
after it (typing at the end, the usual case, appends).
*/
export function applyEdit(current: string, base: string, next: string): {value: string; stale: boolean} {
	if (base === current) {
		return {value: next, stale: false};
	}

	let prefix = 0;
	const shorter = Math.min(base.length, next.length);
	while (prefix < shorter && base[prefix] === next[prefix]) {
		prefix++;
	}

	let suffix = 0;
	while (suffix < shorter - prefix && base[base.length - 1 - suffix] === next[next.length - 1 - suffix]) {
		suffix++;
	}

	const removed = base.length - prefix - suffix;
	const inserted = next.slice(prefix, next.length - suffix);
	const tail = base.slice(base.length - suffix);
	const at = current.endsWith(tail) ? current.length - suffix : current.length;
	const value = current.slice(0, Math.max(0, at - removed)) + inserted + current.slice(at);
	return {value, stale: true};
}

/** `next` is `previous` with exactly `letter` inserted somewhere. */
export function insertedLetter(previous: string, next: string, letter: string): boolean {
	if (next.length !== previous.length + 1) {
		return false;
	}

	let at = 0;
	while (at < previous.length && previous[at] === next[at]) {
		at++;
	}

	return next[at] === letter && next.slice(at + 1) === previous.slice(at);
}
