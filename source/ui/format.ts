const palette: readonly string[] = [
	'cyan', 'green', 'yellow', 'blue', 'magenta', 'red',
	'cyanBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'redBright',
];

/** The same name always gets the same colour (of `colors`), in every conversation and every session. */
export function nameColor(name: string, colors: readonly string[] = palette): string {
	let hash = 2_166_136_261;
	for (let index = 0; index < name.length; index++) {
		hash = Math.imul(hash ^ name.charCodeAt(index), 16_777_619);
	}

	return colors[(hash >>> 0) % colors.length]!;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
`HH:MM` in local time from the server's ISO timestamp; a message from another day also shows its
date (`Jan 2 10:00`, with the year when it is not this one: `2025-01-02 10:00`), so history from
earlier days does not pass for today's.
*/
export function formatTime(ts: string, now: Date = new Date()): string {
	const date = new Date(ts);
	if (Number.isNaN(date.getTime())) {
		return '--:--';
	}

	const time = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
	if (date.getFullYear() !== now.getFullYear()) {
		return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')} ${time}`;
	}

	return date.getMonth() === now.getMonth() && date.getDate() === now.getDate() ? time : `${months[date.getMonth()]!} ${date.getDate()} ${time}`;
}
