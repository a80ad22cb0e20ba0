import {readFile} from 'node:fs/promises';
import {resolveTarget} from '../client/target.js';
import type {ClientTls} from '../client/tls.js';
import {resolveTlsSetup, trustWithoutAsking, type TlsFlags} from '../client/trust.js';

export type PipeSettings = {
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly password: string;
	/** With --tls: how the server's certificate is checked (never by asking). */
	readonly tls?: ClientTls;
};

export type PipeFlags = {
	readonly host?: string;
	readonly port?: string;
	readonly user?: string;
	readonly passwordFile?: string;
} & TlsFlags;

export type SettingsResult = {readonly ok: true; readonly settings: PipeSettings} | {readonly ok: false; readonly message: string};

export {defaultHost, defaultPort} from '../client/target.js';

/** Flags win over environment variables, which win over the defaults. Every problem here is a usage error. */
export async function resolveSettings(flags: PipeFlags, env: NodeJS.ProcessEnv): Promise<SettingsResult> {
	const target = resolveTarget(flags, env);
	if (typeof target === 'string') {
		return {ok: false, message: target};
	}

	const {host, port, user} = target;
	if (user === undefined) {
		return {ok: false, message: 'no user: give --user NAME or set NATTER_USER'};
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

	const setup = await resolveTlsSetup(flags, env);
	if (typeof setup === 'string') {
		return {ok: false, message: setup};
	}

	let tls: ClientTls | undefined;
	try {
		tls = setup ? await trustWithoutAsking(setup, host, port) : undefined;
	} catch (error) {
		return {ok: false, message: `cannot read the known servers file: ${(error as Error).message}`};
	}

	return {ok: true, settings: {host, port, user, password, ...(tls ? {tls} : {})}};
}

function firstLine(text: string): string {
	return (text.split('\n', 1)[0] ?? '').replace(/\r$/, '');
}
