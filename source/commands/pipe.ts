import process from 'node:process';
import meow from 'meow';
import {CursorFile} from '../pipe/cursor.js';
import {runPipe} from '../pipe/session.js';
import {defaultHost, defaultPort, resolveSettings} from '../pipe/settings.js';

const help = `
	Usage
	  $ natter pipe --user NAME [--host HOST] [--port PORT] [--password-file FILE] [--cursor FILE]
	                [--tls [--ca FILE | --tls-fingerprint sha256:…]]

	A scripted client: reads one slash-command per line on stdin (/msg bob hi, /join_group dev, …)
	and writes every server event and every reply on stdout, one JSON object per line.

	Options
	  --user, -u        user to log in as                  env NATTER_USER
	  --host            server host (${defaultHost})           env NATTER_HOST
	  --port, -p        server port (${defaultPort})               env NATTER_PORT
	  --password-file   read the password from the first line of FILE
	                    (otherwise from the env var NATTER_PASSWORD)
	  --cursor          resume from FILE and keep it up to date (see Resuming)
	  --tls             speak TLS to a server started with --tls-cert. The pipe never asks: the
	                    certificate must be vouched for by a CA (the system's, or --ca), pinned
	                    with --tls-fingerprint, or remembered in known_servers (accepted once in
	                    natter connect --tls); otherwise it exits 1 saying the fingerprint
	  --ca FILE         trust the CA certificate(s) in FILE (PEM); implies --tls
	  --tls-fingerprint sha256:…
	                    the server's certificate must have this SHA-256 fingerprint (hex, colons
	                    optional); implies --tls

	Output
	  The server's events as it sent them (welcome, login_ok, ok, error, msg, broadcast, group_msg,
	  presence, membership, notice, gap, resumed, read, bye). Each command line gets exactly one
	  reply, in input order, whose "id" is the line's number. A line that is not a valid command
	  gets an "error" reply from the pipe itself (same shape, e.g. code "usage") and the pipe goes
	  on. Blank lines are skipped.

	Resuming
	  With --cursor FILE the pipe reads FILE at start (a JSON object of conversation to the last
	  seq seen, such as {"#dev":41,"@bob":7,"*":0}; a missing file means none) and logs in with
	  those resume points: the server first sends exactly the messages after them, oldest first
	  (more than 1000 missed in one conversation: a "gap" event, then the newest 1000; page the
	  rest with /history), then {"type":"resumed",...}. After every message written out (events,
	  and replies to your own sends) FILE is rewritten with the highest seq per conversation,
	  atomically (a temp file renamed over it), at most every 100 ms and at exit. Run the same
	  command again and nothing is seen twice or missed. A "read" event means another session of
	  yours moved a read marker.

	Exit codes
	  0  stdin ended (or /exit was read) and every reply arrived; the pipe then leaves with /exit
	  1  login failed, the connection was lost (e.g. the server shut down), or the server's
	     TLS certificate was not trusted or not the pinned one
	  2  usage error (a bad flag, no user, no password, a --cursor file that is not a cursor)

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
			cursor: {type: 'string'},
			tls: {type: 'boolean'},
			ca: {type: 'string'},
			tlsFingerprint: {type: 'string'},
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

	let cursor: CursorFile | undefined;
	if (cli.flags.cursor !== undefined) {
		const loaded = await CursorFile.load(cli.flags.cursor);
		if (typeof loaded === 'string') {
			process.stderr.write(`natter pipe: ${loaded}\n`);
			return 2;
		}

		cursor = loaded;
	}

	// Killed by a signal: the cursor still says what was written out.
	const onSignal = (signal: NodeJS.Signals) => {
		cursor?.flushSync();
		process.exit(signal === 'SIGINT' ? 130 : 143);
	};

	if (cursor) {
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
	}

	try {
		return await runPipe(resolved.settings, {input: process.stdin, output: process.stdout, errors: process.stderr, ...(cursor ? {cursor} : {})});
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}
