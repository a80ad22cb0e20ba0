import {Buffer} from 'node:buffer';
import type {ServerEvent} from '../../../source/protocol/index.js';
import type {Encoder} from '../../core/envelope.js';
import type {Dialect, DialectHost} from '../dialect.js';
import {afterRegistration} from './irc-commands.js';
import {encodeSharedEvent, IRC_SLOT_BASE} from './irc-events.js';
import {IRC_LINE_BYTES, parseIrcLine, SERVER_NAME} from './irc-line.js';
import {markerLine} from './irc-read-marker.js';
import {beforeRegistration} from './irc-registration.js';
import {closingLine, connectionError, serverNotice, welcomeBurst} from './irc-replies.js';
import {IrcSession} from './irc-session.js';

export type IrcDialectOptions = {
	/** A registered client silent this long is sent a PING; silent as long again, it is dropped. */
	readonly pingIntervalMs: number;
	/** When the server started (RPL_CREATED). */
	readonly created: string;
};

/**
IRC (RFC 1459/2812 and the IRCv3 extensions clients use) on natter's core. Registration collects
CAP, PASS or SASL PLAIN, NICK and USER, then logs in through the connection as every dialect does
(the same bcrypt pool, throttles and limits); the nick is the user name. Groups are channels,
a nick is a DM, `$*` is the broadcasts. See docs/irc.md.

This class wires the connection to the session's state: registration (irc-registration.ts,
irc-capabilities.ts, irc-sasl.ts, irc-login.ts), then commands (irc-commands.ts and the modules it
dispatches to); what the connection is sent is encoded here.
*/
export class IrcDialect implements Dialect {
	readonly name = 'irc';
	readonly encoder: Encoder;
	readonly #host: DialectHost;
	readonly #options: IrcDialectOptions;
	readonly #session: IrcSession;
	#heard = false;
	#awaitingPong = false;
	#pinger: NodeJS.Timeout | undefined;

	constructor(host: DialectHost, options: IrcDialectOptions) {
		this.#host = host;
		this.#options = options;
		const session = new IrcSession(host);
		this.#session = session;
		const encode = (event: ServerEvent) => Buffer.from(this.#encode(event));
		const slot = () => IRC_SLOT_BASE + session.tagMode;
		this.encoder = {
			get slot() {
				return slot();
			},
			encode,
		};
	}

	onLine(line: string): void | Promise<void> {
		this.#heard = true;
		const message = parseIrcLine(line);
		if (!message) {
			return;
		}

		const session = this.#session;
		session.command = message.command;
		if (message.command === 'PONG') {
			return;
		}

		if (this.#host.limited()) {
			return;
		}

		if (message.bodyBytes > IRC_LINE_BYTES - 2) {
			this.#host.error('line_too_long', `a line longer than ${IRC_LINE_BYTES} bytes (without its tags)`);
			return;
		}

		return session.registered ? afterRegistration(session, message) : beforeRegistration(session, message);
	}

	afterError(): void {
		// A PASS login that failed: IRC clients do not retry on the same connection.
		if (this.#session.passChecking && !this.#session.registered) {
			this.#host.end('too_many_attempts', 'Password incorrect');
		}
	}

	closed(): void {
		clearInterval(this.#pinger);
		this.#session.attach = undefined;
	}

	/** A client that took away-notify hears natter's presence as AWAY (offline) and back. Read at login, so a CAP REQ after registration does not change it. */
	get watchesPresence(): boolean {
		return this.#session.caps.has('away-notify');
	}

	/** Events this session answers itself, once their shared bytes are written. */
	heard(event: ServerEvent): void {
		// Runs once per delivery: the type first, so a group message or broadcast (most deliveries) costs no load of the session.
		if (event.type !== 'msg' && event.type !== 'membership' && event.type !== 'read') {
			return;
		}

		const session = this.#session;
		if (!session.registered) {
			return;
		}

		if (event.type === 'msg') {
			session.conversations.add(`@${event.from === session.nick ? event.to : event.from}`);
		} else if (event.type === 'membership') {
			// Its user joined from another session or node: clients fill their nick list from the NAMES after a JOIN of their own.
			if (event.joined && event.user === session.nick) {
				session.conversations.add(`#${event.group}`);
				void this.#host.respond(session.channelState(event.group));
			}
		} else if (event.type === 'read' && session.caps.has('draft/read-marker')) {
			void this.#host.respond(markerLine(this.#host, event.conversation, event.seq));
		}
	}

	// --- what this connection is sent ---

	#encode(event: ServerEvent): string {
		const session = this.#session;
		const shared = encodeSharedEvent(event, session.tagMode);
		if (shared !== undefined) {
			return shared;
		}

		switch (event.type) {
			case 'login_ok': {
				for (const summary of event.conversations ?? []) {
					session.conversations.add(summary.conversation);
				}

				return this.#welcome(event.user, event.text, (event.conversations ?? []).filter(summary => summary.conversation.startsWith('#')).map(summary => summary.conversation.slice(1)));
			}

			case 'error': {
				return connectionError(event, session.target, session.command, session.loginVia, session.registered);
			}

			case 'notice':
			case 'ok': {
				return serverNotice(session.target, event.text);
			}

			case 'bye': {
				return closingLine(session.nick, event.text);
			}

			default: {
				return '';
			}
		}
	}

	#welcome(user: string, text: string, groups: readonly string[]): string {
		const session = this.#session;
		session.registered = true;
		session.nick = user;
		session.groupsAtLogin = groups;
		this.#startPings();
		return welcomeBurst({nick: user, version: this.#host.version, created: this.#options.created, usersOnline: this.#host.usersOnline, text, groups});
	}

	#startPings(): void {
		const every = this.#options.pingIntervalMs;
		this.#pinger = setInterval(() => {
			if (this.#heard) {
				this.#heard = false;
				this.#awaitingPong = false;
				return;
			}

			if (this.#awaitingPong) {
				this.#host.end('ping_timeout', `Ping timeout: ${every * 2 / 1000} seconds`);
				return;
			}

			this.#awaitingPong = true;
			this.#host.sendText(`PING :${SERVER_NAME}\r\n`);
		}, every);
		this.#pinger.unref();
	}
}
