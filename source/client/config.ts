import {readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import {type ColorChoices, colorElements, isColor} from '../ui/color-choices.js';

/** What `~/.config/natter/config.json` may hold; `natter connect` flags (and NATTER_* variables) win over it. */
export type ClientConfig = {
	readonly host?: string;
	readonly port?: number;
	readonly user?: string;
	/** A terminal bell on a mention or a direct message out of view (default true; `--no-bell`). */
	readonly bell?: boolean;
	/** A desktop notification through the terminal too: `osc777`, `osc9` or `off` (default). */
	readonly notify?: 'off' | 'osc777' | 'osc9';
	/** The terminal title shows the unread count (default true). */
	readonly title?: boolean;
	/** Colours on screen (default true); false: monochrome (bold, dim and inverse stay); an object: the colour of some elements. */
	readonly colors?: boolean | ColorChoices;
};

/** `NATTER_CONFIG`, else `$XDG_CONFIG_HOME/natter/config.json`, else `~/.config/natter/config.json`. */
export function configFile(env: NodeJS.ProcessEnv): {file: string; explicit: boolean} {
	const given = env['NATTER_CONFIG'];
	if (given !== undefined && given !== '') {
		return {file: given, explicit: true};
	}

	const base = env['XDG_CONFIG_HOME'] || path.join(homedir(), '.config');
	return {file: path.join(base, 'natter', 'config.json'), explicit: false};
}

const keys = ['host', 'port', 'user', 'bell', 'notify', 'title', 'colors'] as const;

const colorHelp = 'a colour name (red, greenBright, gray…), "#rrggbb", "#rgb" or "ansi256(0-255)"';

/** What is wrong with a `"colors"` object, naming the key; undefined when nothing is. */
function colorsProblem(value: unknown): string | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return `"colors" must be true, false or an object such as {"ownNick": "green", "mention": "#ff8800"}`;
	}

	for (const [key, color] of Object.entries(value as Record<string, unknown>)) {
		if (!(colorElements as readonly string[]).includes(key)) {
			return `unknown colour "colors.${key.slice(0, 40)}" (known: ${colorElements.join(', ')})`;
		}

		const list = key === 'nicks' && Array.isArray(color) ? color as unknown[] : [color];
		if (list.length === 0) {
			return `"colors.nicks" must list at least one colour`;
		}

		for (const item of list) {
			if (typeof item !== 'string' || !isColor(item)) {
				const shown = typeof item === 'string' ? `"${item.slice(0, 40)}"` : JSON.stringify(item)?.slice(0, 40) ?? String(item);
				return `"colors.${key}": ${shown} is not a colour; use ${colorHelp}${key === 'nicks' ? ', or a list of them' : ''}`;
			}
		}
	}

	return undefined;
}

function check(value: unknown, file: string): ClientConfig | string {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return `${file}: the config is a JSON object, such as {"host": "chat.example.org", "user": "alice", "bell": false}`;
	}

	const entries = Object.entries(value as Record<string, unknown>);
	const config: Record<string, unknown> = {};
	for (const [key, field] of entries) {
		if (/pass/i.test(key)) {
			return `${file}: "${key}": natter never reads a password from its config file (it would lie there in clear); remove it, the login screen asks`;
		}

		switch (key) {
			case 'host':
			case 'user': {
				if (typeof field !== 'string' || field === '') {
					return `${file}: "${key}" must be a non-empty string`;
				}

				break;
			}

			case 'port': {
				if (typeof field !== 'number' || !Number.isInteger(field) || field < 1 || field > 65_535) {
					return `${file}: "port" must be a number from 1 to 65535`;
				}

				break;
			}

			case 'colors': {
				const problem = typeof field === 'boolean' ? undefined : colorsProblem(field);
				if (problem !== undefined) {
					return `${file}: ${problem}`;
				}

				break;
			}

			case 'bell':
			case 'title': {
				if (typeof field !== 'boolean') {
					return `${file}: "${key}" must be true or false`;
				}

				break;
			}

			case 'notify': {
				if (field !== 'off' && field !== 'osc777' && field !== 'osc9') {
					return `${file}: "notify" must be "off", "osc777" or "osc9"`;
				}

				break;
			}

			default: {
				return `${file}: unknown setting "${key.slice(0, 40)}" (known: ${keys.join(', ')})`;
			}
		}

		config[key] = field;
	}

	return config as ClientConfig;
}

/** The client config, `{}` when the default file is missing; a string says what is wrong (a usage error). */
export function loadConfig(env: NodeJS.ProcessEnv): ClientConfig | string {
	const {file, explicit} = configFile(env);
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		const code = error instanceof Error && 'code' in error ? error.code : undefined;
		if (code === 'ENOENT' && !explicit) {
			return {};
		}

		return `cannot read the config ${file}: ${error instanceof Error ? error.message : String(error)}`;
	}

	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
	}

	return check(value, file);
}
