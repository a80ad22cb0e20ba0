import {readFileSync} from 'node:fs';

/**
natter's version from package.json. This file runs from `server/` under tsx and vitest, and from
`dist/server/` when built, so the package root is one or two levels up.
*/
function readVersion(): string {
	for (const relative of ['../package.json', '../../package.json']) {
		try {
			const data: unknown = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'));
			if (typeof data === 'object' && data !== null && (data as {name?: unknown}).name === 'natter') {
				const {version} = data as {version?: unknown};
				if (typeof version === 'string') {
					return version;
				}
			}
		} catch {}
	}

	return '0.0.0';
}

export const SERVER_VERSION = readVersion();
