let tick = 0;
let advancing = false;

/**
A number shared by everything that handles the same key event. Ink hands one key to every
`useInput` listener in one synchronous turn, so the text input's change and a shortcut
handler see the same tick for the same key. The tick moves on after each turn, and also
before each key the key-splitting stdin hands to Ink (several keys can share one turn).
*/
export function keyEventTick(): number {
	if (!advancing) {
		advancing = true;
		queueMicrotask(() => {
			tick++;
			advancing = false;
		});
	}

	return tick;
}

/** A new key is about to be handled. */
export function advanceKeyTick(): void {
	tick++;
}
