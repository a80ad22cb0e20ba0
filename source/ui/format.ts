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

/** `HH:MM` in local time from the server's ISO timestamp. */
export function formatTime(ts: string): string {
	const date = new Date(ts);
	if (Number.isNaN(date.getTime())) {
		return '--:--';
	}

	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}
