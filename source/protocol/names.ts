import {MAX_NAME_LENGTH} from './limits.js';

// Tested on the name as given, not lower-cased: toLowerCase maps some non-ASCII letters to ASCII
// (the Kelvin sign U+212A becomes 'k'), and a name must be plain ASCII as typed.
const namePattern = new RegExp(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,${MAX_NAME_LENGTH - 1}}$`);

/** Names compare case-insensitively, so every name is kept in lower case. */
export function normalizeName(name: string): string {
	return name.toLowerCase();
}

/** Why `name` is not a valid user or group name, or undefined when it is. */
export function nameProblem(name: string, what: 'user' | 'group'): string | undefined {
	if (name.length === 0) {
		return `${what} name is empty`;
	}

	if (name.length > MAX_NAME_LENGTH) {
		return `${what} name is longer than ${MAX_NAME_LENGTH} characters`;
	}

	if (!namePattern.test(name)) {
		return `${what} name may only hold letters, digits, '_' and '-', and must start with a letter or digit`;
	}

	return undefined;
}

export function isValidName(name: string): boolean {
	return nameProblem(name, 'user') === undefined;
}
