const nameCharacter = /[a-z0-9_-]/i;

/** Whether `text` names `user` as a whole word (`alice`, `@alice`, `Alice:`), case-insensitively. */
export function mentions(text: string, user: string): boolean {
	if (user === '') {
		return false;
	}

	const lower = text.toLowerCase();
	let from = 0;
	for (;;) {
		const at = lower.indexOf(user, from);
		if (at === -1) {
			return false;
		}

		const before = lower[at - 1];
		const after = lower[at + user.length];
		if ((before === undefined || !nameCharacter.test(before)) && (after === undefined || !nameCharacter.test(after))) {
			return true;
		}

		from = at + 1;
	}
}
