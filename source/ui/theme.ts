import {createContext, useContext} from 'react';
import {nameColor} from './format.js';
import type {ColorChoices} from './color-choices.js';

export {type ColorChoices} from './color-choices.js';

/** How the screen paints each element; every colour is undefined on a monochrome screen (bold, dim and inverse stay). */
export type Theme = {
	readonly colors: boolean;
	/** A literal colour, or none on a monochrome screen. */
	readonly paint: (color: string | undefined) => string | undefined;
	/** Panel borders. */
	readonly border: string | undefined;
	/** The input box's border and prompt. */
	readonly input: string | undefined;
	/** The status line's (and the login screen's) `natter`. */
	readonly status: string | undefined;
	/** The status line's who@where: plain unless `status` was chosen. */
	readonly statusText: string | undefined;
	/** Hints: the new-messages line, scrolling, loading, a waiting paste. */
	readonly notice: string | undefined;
	readonly error: string | undefined;
	/** The background of a message that names you (its text is black on it). */
	readonly mention: string | undefined;
	/** Undefined: dim. */
	readonly timestamp: string | undefined;
	/** The text of a `/me` line; undefined: as other text (italic). */
	readonly action: string | undefined;
	/** A name's colour: yours (`ownNick`) or, for the others, one of `nicks` chosen by the name. */
	readonly nick: (name: string, mine: boolean) => string | undefined;
};

function pick(name: string, choice: string | readonly string[] | undefined): string {
	if (choice === undefined) {
		return nameColor(name);
	}

	return typeof choice === 'string' ? choice : nameColor(name, choice);
}

/** The theme for `"colors"` in the config file: true (the defaults), false (monochrome) or the user's choices over the defaults. */
export function makeTheme(colors: boolean | ColorChoices = true): Theme {
	if (colors === false) {
		return {
			colors: false,
			paint: () => undefined,
			border: undefined,
			input: undefined,
			status: undefined,
			statusText: undefined,
			notice: undefined,
			error: undefined,
			mention: undefined,
			timestamp: undefined,
			action: undefined,
			nick: () => undefined,
		};
	}

	const choices: ColorChoices = colors === true ? {} : colors;
	return {
		colors: true,
		paint: color => color,
		border: choices.border ?? 'gray',
		input: choices.input ?? 'cyan',
		status: choices.status ?? 'cyan',
		statusText: choices.status,
		notice: choices.notice ?? 'yellow',
		error: choices.error ?? 'red',
		mention: choices.mention ?? 'yellow',
		timestamp: choices.timestamp,
		action: choices.action,
		nick: (name, mine) => (mine && choices.ownNick !== undefined ? choices.ownNick : pick(name, choices.nicks)),
	};
}

export const ThemeContext = createContext<Theme>(makeTheme());

export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/** A colour for Ink's `color`, `backgroundColor` or `borderColor` props, or none on a monochrome screen. */
export function usePaint(): (color: string | undefined) => string | undefined {
	return useContext(ThemeContext).paint;
}
