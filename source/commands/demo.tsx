import {existsSync} from 'node:fs';
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
	  $ natter demo

	Starts a chat server on a free local port with the bundled users.txt, a demo peer
	(natterbot, which answers what you write in #${demoGroup} and in a direct message), and the
	TUI logged in as alice. Leave with /exit or Ctrl+C.

	Demo users: alice/wonderland, bob/builder, carol/singer, dave/diver, natterbot/beepboop.
	Join from a second terminal with "natter connect --port <the port in the status line>".
`;

export const demoUser = 'alice';
const demoPassword = 'wonderland';

/** The bundled users.txt at the package root: from dist/source/commands/ when built, source/commands/ under tsx. */
export function bundledUsersFile(): string {
	const candidates = ['../../../users.txt', '../../users.txt'].map(relative => fileURLToPath(new URL(relative, import.meta.url)));
	return candidates.find(path => existsSync(path)) ?? candidates[0]!;
}

export async function run(argv: string[]): Promise<number> {
	meow(help, {importMeta: import.meta, argv, allowUnknownFlags: false, flags: {}});
	const problem = terminalProblem('demo');
	if (problem) {
		process.stderr.write(problem);
		return 1;
	}

	let server;
	try {
		server = await startServer({host: '127.0.0.1', port: 0, usersFile: bundledUsersFile()});
	} catch (error) {
		process.stderr.write(`natter demo: cannot start the server: ${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}

	const {host, port} = server.address;
	try {
		const bot = await startDemoBot({host, port});
		// The session queues events until the TUI listens, so the greetings below are not lost.
		const session = await ChatSession.open({host, port, user: demoUser, password: demoPassword, client: 'natter-tui'});
		await session.send(`/join_group ${demoGroup}`);
		await bot.greet(demoUser);
		await runFullScreen(<App host={host} port={port} session={session}/>, () => {
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
