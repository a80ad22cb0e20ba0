import {nameProblem} from '../protocol/index.js';

export const defaultHost = '127.0.0.1';
export const defaultPort = 12_345;

/** Where a client connects, and as whom (when known). */
export type ServerTarget = {readonly host: string; readonly port: number; readonly user: string | undefined};

export type TargetFlags = {readonly host?: string; readonly port?: string; readonly user?: string};

/**
The server and user a client command (connect, pipe) talks to: flags win over `NATTER_HOST`,
`NATTER_PORT` and `NATTER_USER`, which win over the defaults. A string is the usage error.
*/
export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv): ServerTarget | string {
	const host = flags.host ?? env['NATTER_HOST'] ?? defaultHost;
	if (host.trim() === '') {
		return 'invalid host: empty';
	}

	const portText = flags.port ?? env['NATTER_PORT'] ?? String(defaultPort);
	const port = Number(portText);
	if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) {
		return `invalid port ${JSON.stringify(portText)}: give a number from 1 to 65535`;
	}

	const user = flags.user ?? env['NATTER_USER'];
	if (user === undefined || user === '') {
		return {host, port, user: undefined};
	}

	const problem = nameProblem(user, 'user');
	return problem ? `invalid user ${JSON.stringify(user)}: ${problem}` : {host, port, user: user.toLowerCase()};
}
