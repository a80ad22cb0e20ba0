import {readFile} from 'node:fs/promises';
import {nameProblem} from '../protocol/index.js';

export type PipeSettings = {
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly password: string;
};

export type PipeFlags = {
	readonly host?: string;
	readonly port?: string;
	readonly user?: string;
	readonly passwordFile?: string;
};

export type SettingsResult = {readonly ok: true; readonly settings: PipeSettings} | {readonly ok: false; readonly message: string};

export const defaultHost = '127.0.0.1';
export const defaultPort = 12_345;

/** Flags win over environment variables, which win over the defaults. Every problem here is a usage error. */
export async function resolveSettings(flags: PipeFlags, env: NodeJS.ProcessEnv): Promise<SettingsResult> {
	const host = flags.host ?? env['NATTER_HOST'] ?? defaultHost;
	const portText = flags.port ?? env['NATTER_PORT'] ?? String(defaultPort);
	const port = Number(portText);
	if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) {
		return {ok: false, message: `invalid port ${JSON.stringify(portText)}: give a number from 1 to 65535`};
	}

	const user = flags.user ?? env['NATTER_USER'];
	if (user === undefined || user === '') {
		return {ok: false, message: 'no user: give --user NAME or set NATTER_USER'};
	}

	const problem = nameProblem(user, 'user');
	if (problem) {
		return {ok: false, message: `invalid user ${JSON.stringify(user)}: ${problem}`};
	}

	let password = env['NATTER_PASSWORD'];
	if (flags.passwordFile !== undefined) {
		try {
			password = firstLine(await readFile(flags.passwordFile, 'utf8'));
		} catch (error) {
			return {ok: false, message: `cannot read the password file: ${(error as Error).message}`};
		}
	}

	if (password === undefined || password === '') {
		return {ok: false, message: 'no password: set NATTER_PASSWORD or give --password-file FILE (its first line is the password)'};
	}

	return {ok: true, settings: {host, port, user, password}};
}

function firstLine(text: string): string {
	return (text.split('\n', 1)[0] ?? '').replace(/\r$/, '');
}
