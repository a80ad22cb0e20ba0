import {addResumePoints, parseClientRequest, PROTOCOL_VERSION, type ResumePoints, type ServerEvent} from '../../source/protocol/index.js';
import type {Encoder} from '../core/envelope.js';
import type {Dialect, DialectHost} from './dialect.js';
import {lineBytes} from './line-bytes.js';

export const jsonEncoder: Encoder = {
	slot: 1,
	encode: (event: ServerEvent) => lineBytes(JSON.stringify(event)),
};

/** JSON mode, for the TUI, `natter pipe` and bots: one typed request or event per line. */
export class JsonDialect implements Dialect {
	readonly name = 'json';
	readonly encoder = jsonEncoder;
	readonly #host: DialectHost;
	#presence = false;
	/** Resume points from every `hello` so far, added up; used by a `login` that names none. */
	#resume: ResumePoints | undefined;

	constructor(host: DialectHost) {
		this.#host = host;
	}

	get watchesPresence(): boolean {
		return this.#presence;
	}

	/** The line that switched the connection to JSON mode: welcome first, then the line itself. */
	onFirstLine(line: string): void | Promise<void> {
		this.#welcome();
		return this.#handle(line, true);
	}

	onLine(line: string): void | Promise<void> {
		return this.#handle(line, false);
	}

	afterError(): void {}

	#handle(line: string, switching: boolean): void | Promise<void> {
		if (line.trim() === '') {
			return;
		}

		const host = this.#host;
		const parsed = parseClientRequest(line);
		if (!parsed.ok) {
			host.error(parsed.error.code, parsed.error.message, parsed.error.id);
			return;
		}

		const {request} = parsed;
		const id = request.type === 'hello' ? undefined : request.id;
		if (host.limited(id)) {
			return;
		}

		switch (request.type) {
			case 'hello': {
				this.#presence = request.presence === true;
				const resume = request.resume === undefined ? this.#resume : addResumePoints(this.#resume, request.resume);
				if (typeof resume === 'string') {
					host.error('bad_request', resume);
					return;
				}

				this.#resume = resume;
				if (request.protocol !== undefined && request.protocol !== PROTOCOL_VERSION) {
					host.error('unsupported_protocol', `this server speaks protocol ${PROTOCOL_VERSION}, not ${request.protocol}: messages now carry msgid and seq (see docs/protocol.md)`);
				} else if (!switching) {
					this.#welcome();
				}

				return;
			}

			case 'login': {
				if (host.loggedIn) {
					host.error('already_logged_in', `already logged in as ${host.user}`, id);
					return;
				}

				const resume = request.resume ?? this.#resume;
				return host.login(request.user, request.password, {...(id === undefined ? {} : {id}), ...(resume === undefined ? {} : {resume})});
			}

			case 'command': {
				if (!host.loggedIn) {
					host.error('not_logged_in', 'log in first', id);
					return;
				}

				return host.command(request.line, id);
			}

			case 'mark_read': {
				if (!host.loggedIn) {
					host.error('not_logged_in', 'log in first', id);
					return;
				}

				return host.markRead(request.conversation, request.seq, id);
			}

			case 'ping': {
				const ts = new Date().toISOString();
				host.sendEvent(id === undefined ? {type: 'pong', ts} : {type: 'pong', id, ts});
			}
		}
	}

	#welcome(): void {
		this.#host.sendEvent({type: 'welcome', protocol: PROTOCOL_VERSION, server: 'natter', version: this.#host.version});
	}
}
