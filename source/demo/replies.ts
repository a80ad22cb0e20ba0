const maxEcho = 200;

/**
What natterbot says back to `text` from `from`: short, friendly and deterministic (only `time`
depends on the clock it is given).
*/
export function botReply(text: string, from: string, now: Date): string {
	const words = text.toLowerCase().replace(/[^a-z0-9 ]/g, ' ').split(' ').filter(Boolean);
	const has = (...wanted: string[]) => wanted.some(word => words.includes(word));
	if (has('help', 'commands', 'what')) {
		return 'I answer "hello", "time", "ping", "joke" and "help"; anything else I say back, reversed. Press Ctrl+N / Ctrl+P to walk the conversations, PageUp to scroll, Tab to complete, /help for the rest.';
	}

	if (has('hello', 'hi', 'hey', 'hallo', 'howdy')) {
		return `Hello ${from}! Nice to see you here.`;
	}

	if (has('time', 'clock')) {
		return `It is ${now.toISOString().slice(11, 16)} UTC on my clock.`;
	}

	if (has('ping')) {
		return 'pong!';
	}

	if (has('joke')) {
		return 'Why did the TCP packet go to therapy? It had too many unresolved connections.';
	}

	const echo = [...text].slice(0, maxEcho).join('');
	return `You said "${echo}", which backwards is "${[...echo].reverse().join('')}".`;
}
