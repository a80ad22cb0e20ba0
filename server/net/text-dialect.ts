import type {ServerEvent} from '../../source/protocol/index.js';
import type {Encoder} from '../core/envelope.js';
import type {Dialect, DialectHost} from './dialect.js';
import {lineBytes} from './line-bytes.js';
import {JsonDialect} from './json-dialect.js';
import {renderTextLine} from './text-render.js';

export const textEncoder: Encoder = {
	slot: 0,
	encode: (event: ServerEvent) => lineBytes(renderTextLine(event)),
};

/** The seed's flow, for nc and telnet: `Username:` and `Password:` prompts, then slash-commands and human lines. */
export class TextDialect implements Dialect {
	readonly name = 'text';
	readonly encoder = textEncoder;
	readonly watchesPresence = true;
	readonly #host: DialectHost;
	#phase: 'username' | 'password' = 'username';
	#pendingUser = '';

	constructor(host: DialectHost) {
		this.#host = host;
	}

	onLine(line: string): void | Promise<void> {
		const host = this.#host;
		if (host.loggedIn) {
			if (line.trim() === '' || host.limited()) {
				return;
			}

			return host.command(line);
		}

		if (this.#phase === 'username' && line.startsWith('{')) {
			const json = new JsonDialect(host);
			host.sendText('\n');
			host.switchTo(json);
			return json.onFirstLine(line);
		}

		if (host.limited()) {
			this.#prompt();
			return;
		}

		if (this.#phase === 'password') {
			this.#phase = 'username';
			return host.login(this.#pendingUser, line, {});
		}

		const name = line.trim();
		if (name.startsWith('/')) {
			host.error('not_logged_in', 'log in first');
		} else if (name !== '') {
			this.#pendingUser = name;
			this.#phase = 'password';
		}

		this.#prompt();
	}

	afterError(): void {
		this.#prompt();
	}

	#prompt(): void {
		if (!this.#host.loggedIn) {
			this.#host.sendText(this.#phase === 'username' ? 'Username: ' : 'Password: ');
		}
	}
}
