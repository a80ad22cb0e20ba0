import {ircLine, lineSafe, SERVER_NAME} from './irc-line.js';
import {maybeRegister} from './irc-login.js';
import type {IrcSession} from './irc-session.js';

/** What a client may `CAP REQ`. */
const capabilities = ['away-notify', 'batch', 'draft/chathistory', 'draft/read-marker', 'echo-message', 'message-tags', 'sasl', 'server-time'] as const;
const capabilitySet: ReadonlySet<string> = new Set(capabilities);

/** CAP LS, LIST, REQ and END, before registration (holding it until END) or after. */
export function capCommand(session: IrcSession, params: readonly string[]): void | Promise<void> {
	const subcommand = (params[0] ?? '').toUpperCase();
	const {target} = session;
	switch (subcommand) {
		case 'LS': {
			session.capOpen ||= !session.registered;
			session.capVersion = Math.max(session.capVersion, Number(params[1]) || 0);
			const offered = capabilities.map(cap => (cap === 'sasl' && session.capVersion >= 302 ? 'sasl=PLAIN' : cap));
			session.say(ircLine(SERVER_NAME, 'CAP', [target, 'LS'], offered.join(' ')));
			return;
		}

		case 'LIST': {
			session.say(ircLine(SERVER_NAME, 'CAP', [target, 'LIST'], [...session.caps].join(' ')));
			return;
		}

		case 'REQ': {
			session.capOpen ||= !session.registered;
			const asked = params[1] ?? '';
			const wanted = asked.split(' ').filter(Boolean);
			if (wanted.length === 0 || !wanted.every(cap => capabilitySet.has(cap.replace(/^-/, '')))) {
				session.say(ircLine(SERVER_NAME, 'CAP', [target, 'NAK'], lineSafe(asked).slice(0, 400)));
				return;
			}

			for (const cap of wanted) {
				if (cap.startsWith('-')) {
					session.caps.delete(cap.slice(1));
				} else {
					session.caps.add(cap);
				}
			}

			session.tagMode = session.caps.has('message-tags') ? 2 : (session.caps.has('server-time') ? 1 : 0);
			session.say(ircLine(SERVER_NAME, 'CAP', [target, 'ACK'], asked));
			return;
		}

		case 'END': {
			if (session.registered) {
				return;
			}

			session.capOpen = false;
			return maybeRegister(session);
		}

		default: {
			session.numeric('410', [subcommand || '*'], 'Invalid CAP command');
		}
	}
}
