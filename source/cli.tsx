#!/usr/bin/env node
import process from 'node:process';
import meow from 'meow';

const commands = ['serve', 'connect', 'pipe', 'users', 'demo', 'tls', 'health'] as const;
type CommandName = (typeof commands)[number];

const cli = meow(
	`
	Usage
	  $ natter [connect] [--host 127.0.0.1] [--port 12345] [--user NAME]   the chat TUI
	  $ natter serve [--host] [--port] [--users FILE] [--log-format text|json]
	  $ natter pipe --user NAME [--host] [--port] [--password-file FILE]
	  $ natter users add|passwd|remove|list [NAME] [--users FILE]
	  $ natter demo                 a server, a demo peer and the TUI in one command
	  $ natter tls selfsigned --out DIR   a key and self-signed certificate to try TLS
	  $ natter health [--host] [--port] [--tls] [--url URL]   is the server up? (exit 0 or 1)

	Run "natter <command> --help" for the flags and environment variables of each command.

	Exit codes: 0 ok, 1 failure, 2 usage error.
`,
	{
		importMeta: import.meta,
		commands: [...commands],
		allowUnknownFlags: true,
		flags: {},
	},
);

/** Each command lives in its own module, loaded only when used (serve never loads React). */
const loaders: Record<CommandName, () => Promise<{run: (argv: string[]) => Promise<number>}>> = {
	serve: async () => import('./commands/serve.js'),
	connect: async () => import('./commands/connect.js'),
	pipe: async () => import('./commands/pipe.js'),
	users: async () => import('./commands/users.js'),
	demo: async () => import('./commands/demo.js'),
	tls: async () => import('./commands/tls.js'),
	health: async () => import('./commands/health.js'),
};

const command = (cli.command ?? 'connect') as CommandName;
if ((command === 'connect' || command === 'demo') && process.stdout.isTTY) {
	// On a real terminal, Ink's CI mode (CI=true in the environment) would draw nothing until exit.
	delete process.env['CI'];
	delete process.env['CONTINUOUS_INTEGRATION'];
}

const argv = cli.command ? cli.input : process.argv.slice(2);
const {run} = await loaders[command]();
process.exitCode = await run(argv);
