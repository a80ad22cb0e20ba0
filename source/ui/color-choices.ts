/** What `"colors"` in the config file may choose; pure, so the config loader needs no UI code. */

/** The parts of the screen whose colour the config file may choose (`"colors": {"ownNick": "green", …}`). */
export const colorElements = ['border', 'input', 'status', 'ownNick', 'nicks', 'mention', 'timestamp', 'action', 'notice', 'error'] as const;

export type ColorElement = typeof colorElements[number];

/** The user's choices: a colour per element; `nicks` may also be a list each name picks one from. */
export type ColorChoices = Partial<Record<Exclude<ColorElement, 'nicks'>, string>> & {readonly nicks?: string | readonly string[]};

const namedColors = new Set([
	'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray', 'grey',
	'blackBright', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright',
]);

/** Whether Ink draws `value` as a colour (a chalk name, `#rgb`, `#rrggbb` or `ansi256(0-255)`); anything else it silently ignores. */
export function isColor(value: string): boolean {
	if (namedColors.has(value) || /^#(?:[\da-f]{3}|[\da-f]{6})$/i.test(value)) {
		return true;
	}

	const ansi = /^ansi256\((\d{1,3})\)$/.exec(value);
	return ansi !== null && Number(ansi[1]) <= 255;
}
