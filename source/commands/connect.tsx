import process from 'node:process';
import meow from 'meow';
import {loadConfig} from '../client/config.js';
import {resolveTarget} from '../client/target.js';
import {resolveTlsSetup} from '../client/trust.js';
import App from '../ui/app.js';
import {runFullScreen, terminalProblem} from '../ui/full-screen.js';

const help = `
	Usage
	  $ natter [connect] [--host HOST] [--port PORT] [--user NAME] [--no-bell] [--tls [--ca FILE | --tls-fingerprint sha256:…]]

	The chat TUI: log in, then chat in All, your groups and direct messages.
	Keys and commands: type /help once logged in, or see docs/tui.md.

	Options
	  --host   server address   (env NATTER_HOST, default 127.0.0.1)
	  --port   server port      (env NATTER_PORT, default 12345)
	  --user   user name to log in as; the login screen then asks only for the password
	           (env NATTER_USER)
	  --no-bell  no terminal bell on a mention or a direct message in another conversation

	Settings file: $NATTER_CONFIG, else ~/.config/natter/config.json (XDG_CONFIG_HOME),
	a JSON object with host, port, user, bell, notify ("off", "osc777", "osc9": a desktop
	notification through the terminal), title (the unread count in the terminal's title) and
	colors (false: a monochrome screen; or the colour of border, input, status, ownNick, nicks,
	mention, timestamp, action, notice, error, e.g. {"ownNick": "green", "mention": "#ff8800"}).
	Flags and NATTER_* variables win over it. It never holds a password.
	  --tls    speak TLS to a server started with --tls-cert. Its certificate must be vouched
	           for by a CA (the system's, or --ca), pinned, or accepted once: on first contact
	           with an unknown (self-signed) server its SHA-256 fingerprint is shown and you are
	           asked, as ssh does; yes remembers it in $XDG_CONFIG_HOME/natter/known_servers
	           (~/.config/natter/known_servers). A remembered server whose certificate changed
	           is refused.
	  --ca FILE                  trust the CA certificate(s) in FILE (PEM) instead of the
	                             system's; implies --tls
	  --tls-fingerprint sha256:… the server's certificate must have this SHA-256 fingerprint
	                             (hex, colons optional); implies --tls

	Exit codes: 0 ok, 1 failure (for example no terminal), 2 usage error.
`;

export async function run(argv: string[]): Promise<number> {
	const cli = meow(help, {
		importMeta: import.meta,
		argv,
		allowUnknownFlags: false,
		// An absent --bell/--no-bell leaves the config file's choice.
		booleanDefault: undefined,
		flags: {
			host: {type: 'string'},
			port: {type: 'string'},
			user: {type: 'string'},
			tls: {type: 'boolean'},
			ca: {type: 'string'},
			tlsFingerprint: {type: 'string'},
			bell: {type: 'boolean'},
		},
	});
	const config = loadConfig(process.env);
	if (typeof config === 'string') {
		process.stderr.write(`natter connect: ${config}\n`);
		return 2;
	}

	// Flags win over NATTER_* variables, which win over the config file.
	const fallback = {NATTER_HOST: config.host, NATTER_PORT: config.port === undefined ? undefined : String(config.port), NATTER_USER: config.user};
	const target = resolveTarget(cli.flags, {...fallback, ...process.env});
	if (typeof target === 'string') {
		process.stderr.write(`natter connect: ${target}\n`);
		return 2;
	}

	const tls = await resolveTlsSetup(cli.flags, process.env);
	if (typeof tls === 'string') {
		process.stderr.write(`natter connect: ${tls}\n`);
		return 2;
	}

	const problem = terminalProblem('connect');
	if (problem) {
		process.stderr.write(problem);
		return 1;
	}

	const notify = {bell: cli.flags.bell ?? config.bell ?? true, desktop: config.notify ?? 'off', title: config.title ?? true};
	const signal = (sequence: string) => {
		process.stdout.write(sequence);
	};

	await runFullScreen(<App host={target.host} port={target.port} user={target.user} notify={notify} signal={signal} colors={config.colors ?? true} {...(tls ? {tls} : {})}/>);
	return 0;
}
