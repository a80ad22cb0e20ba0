import process from 'node:process';
import meow from 'meow';
import {runPipe} from '../pipe/session.js';
import {defaultHost, defaultPort, resolveSettings} from '../pipe/settings.js';

const help = `
	Usage
	  $ natter pipe --user NAME [--host HOST] [--port PORT] [--password-file FILE]

	A scripted client: reads one slash-command per line on stdin (/msg bob hi, /join_group dev, …)
	and writes every server event and every reply on stdout, one JSON object per line.

	Options
	  --user, -u        user to log in as                  env NATTER_USER
	  --host            server host (${defaultHost})           env NATTER_HOST
	  --port, -p        server port (${defaultPort})               env NATTER_PORT
	  --password-file   read the password from the first line of FILE
	                    (otherwise from the env var NATTER_PASSWORD)

	Output
	  The server's events as it sent them (welcome, login_ok, ok, error, msg, broadcast, group_msg,
	  presence, membership, notice, bye). Each command line gets exactly one reply, in input order,
	  whose "id" is the line's number. A line that is not a valid command gets an "error" reply
	  from the pipe itself (same shape, e.g. code "usage") and the pipe goes on. Blank lines are skipped.

	Exit codes
	  0  stdin ended (or /exit was read) and every reply arrived; the pipe then leaves with /exit
	  1  login failed, or the connection was lost (e.g. the server shut down)
	  2  usage error (a bad flag, no user, no password)

	Example
	  $ printf '/join_group dev\\n/group_msg dev build is green\\n' | NATTER_PASSWORD=builder natter pipe --user bob
`;

export async function run(argv: string[]): Promise<number> {
	const cli = meow(help, {
		importMeta: import.meta,
		argv,
		allowUnknownFlags: false,
		flags: {
			user: {type: 'string', shortFlag: 'u'},
			host: {type: 'string'},
			port: {type: 'string', shortFlag: 'p'},
			passwordFile: {type: 'string'},
		},
	});

	if (cli.input.length > 0) {
		process.stderr.write(`natter pipe: unexpected argument ${JSON.stringify(cli.input[0])} (commands go on stdin; see natter pipe --help)\n`);
		return 2;
	}

	const resolved = await resolveSettings(cli.flags, process.env);
	if (!resolved.ok) {
		process.stderr.write(`natter pipe: ${resolved.message}\n`);
		return 2;
	}

	return runPipe(resolved.settings, {input: process.stdin, output: process.stdout, errors: process.stderr});
}
