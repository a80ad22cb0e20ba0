import {existsSync} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import {homedir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import meow from 'meow';
import {startServer} from '../../server/index.js';
import {demoGroup, startDemoBot} from '../demo/bot.js';
import App from '../ui/app.js';
import {runFullScreen, terminalProblem} from '../ui/full-screen.js';
import {ChatSession} from '../ui/session.js';

const help = `
	Usage
	  $ natter demo [--data FILE]

	Starts a chat server on a free local port with the bundled users.txt, a demo peer
	(natterbot, which answers what you write in #${demoGroup} and in a direct message), and the
	TUI logged in as alice. Leave with /exit or Ctrl+C.

	The demo keeps its groups, messages and read markers in a SQLite file, so the next
	"natter demo" (or "npm start") shows the earlier conversation:
	  $XDG_STATE_HOME/natter/demo.db, or ~/.local/state/natter/demo.db without XDG_STATE_HOME.

	Options
	  --data   the demo's data file instead; ":memory:" keeps nothing (a fresh demo every time)

	Demo users: alice/wonderland, bob/builder, carol/singer, dave/diver, natterbot/beepboop.
	Join from a second terminal with "natter connect --port <the port in the status line>".
`;

export const demoUser = 'alice';
const demoPassword = 'wonderland';

/** The bundled users.txt at the package root: from dist/source/commands/ when built, source/commands/ under tsx. */
export function bundledUsersFile(): string {
	const candidates = ['../../../users.txt', '../../users.txt'].map(relative => fileURLToPath(new URL(relative, import.meta.url)));
	return candidates.find(candidate => existsSync(candidate)) ?? candidates[0]!;
}

/** Where the demo keeps its data: `$XDG_STATE_HOME/natter/demo.db`, else `~/.local/state/natter/demo.db`. */
export function defaultDemoData(env: NodeJS.ProcessEnv = process.env): string {
	const state = env['XDG_STATE_HOME'];
	// The XDG spec: a relative path in the variable is invalid and to be ignored.
	const base = state !== undefined && path.isAbsolute(state) ? state : path.join(homedir(), '.local', 'state');
	return path.join(base, 'natter', 'demo.db');
}

export async function run(argv: string[]): Promise<number> {
	const cli = meow(help, {importMeta: import.meta, argv, allowUnknownFlags: false, flags: {data: {type: 'string'}}});
	if (cli.input.length > 0) {
		process.stderr.write(`natter demo: unexpected argument ${JSON.stringify(cli.input[0])} (see natter demo --help)\n`);
		return 2;
	}

	if (cli.flags.data === '') {
		process.stderr.write('natter demo: --data needs a file name (or :memory:)\n');
		return 2;
	}

	const problem = terminalProblem('demo');
	if (problem) {
		process.stderr.write(problem);
		return 1;
	}

	const data = cli.flags.data ?? defaultDemoData();
	let server;
	try {
		if (data !== ':memory:') {
			await mkdir(path.dirname(path.resolve(data)), {recursive: true});
		}

		server = await startServer({host: '127.0.0.1', port: 0, usersFile: bundledUsersFile(), data});
	} catch (error) {
		process.stderr.write(`natter demo: cannot start the server (data ${data}): ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}

	const {host, port} = server.address;
	const notice = data === ':memory:'
		? 'Demo data is kept in memory only: nothing is left when you leave.'
		: `Demo data: ${data} (kept for the next natter demo; --data :memory: for a throwaway one).`;
	try {
		const bot = await startDemoBot({host, port});
		// The session queues events until the TUI listens, so the greetings below are not lost.
		const session = await ChatSession.open({host, port, user: demoUser, password: demoPassword, client: 'natter-tui'});
		// From the second run on, alice is a member already: the error reply is nothing to act on.
		await session.send(`/join_group ${demoGroup}`);
		await bot.greet(demoUser);
		const signal = (sequence: string) => {
			process.stdout.write(sequence);
		};

		await runFullScreen(<App host={host} port={port} session={session} notice={notice} signal={signal}/>, () => {
			session.destroy();
		});
		await bot.close().catch(() => undefined);
		return 0;
	} catch (error) {
		process.stderr.write(`natter demo: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	} finally {
		await server.close();
	}
}
