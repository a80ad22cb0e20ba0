import {Buffer} from 'node:buffer';
import net from 'node:net';
import type {Duplex} from 'node:stream';
import type {ServerEvent} from '../../source/protocol/index.js';

/** Text-mode prompts end without a newline; the reader counts each as a line of its own. */
const prompts = ['Username: ', 'Password: '];

const defaultTimeoutMs = 5000;

/**
A test client over a real socket (or any duplex): collects what the server sends as lines and
lets a test await them in order. `waitFor` consumes lines up to and including the match.
*/
export class LineSocket {
	static async connect(port: number, host = '127.0.0.1'): Promise<LineSocket> {
		const socket = net.connect({port, host});
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('error', reject);
		});
		return new LineSocket(socket);
	}

	/** Every line received so far (prompts included, without their trailing space). */
	readonly lines: string[] = [];
	readonly stream: Duplex;
	#cursor = 0;
	#pending = '';
	#ended = false;
	#closed = false;
	#waiters = new Set<() => void>();

	constructor(stream: Duplex) {
		this.stream = stream;
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => {
			this.#pending += chunk;
			this.#split();
			this.#wake();
		});
		stream.on('end', () => {
			this.#ended = true;
			// Like a socket without allowHalfOpen: when the server is done, so are we.
			stream.end();
			this.#wake();
		});
		stream.on('close', () => {
			this.#closed = true;
			this.#wake();
		});
		stream.on('error', () => {});
	}

	/** True once the server ended the connection. */
	get ended(): boolean {
		return this.#ended || this.#closed;
	}

	send(line: string): void {
		this.stream.write(`${line}\n`);
	}

	sendJson(value: unknown): void {
		this.send(JSON.stringify(value));
	}

	write(bytes: string | Uint8Array): void {
		this.stream.write(typeof bytes === 'string' ? bytes : Buffer.from(bytes));
	}

	/** The first not-yet-consumed line matching `predicate` (a string: equal to it); the lines before it are skipped. */
	async waitFor(predicate: string | RegExp | ((line: string) => boolean), timeoutMs = defaultTimeoutMs): Promise<string> {
		const test = typeof predicate === 'string'
			? (line: string) => line === predicate
			: (predicate instanceof RegExp ? (line: string) => predicate.test(line) : predicate);
		return this.#until(() => {
			while (this.#cursor < this.lines.length) {
				const line = this.lines[this.#cursor++]!;
				if (test(line)) {
					return line;
				}
			}

			return undefined;
		}, `a line matching ${String(predicate)}`, timeoutMs);
	}

	/** The next line, whatever it is. */
	async next(timeoutMs = defaultTimeoutMs): Promise<string> {
		return this.waitFor(() => true, timeoutMs);
	}

	/** The first not-yet-consumed JSON event matching `predicate`. */
	async waitForEvent<T extends ServerEvent = ServerEvent>(predicate: (event: ServerEvent) => boolean, timeoutMs = defaultTimeoutMs): Promise<T> {
		const line = await this.waitFor(candidate => candidate.startsWith('{') && predicate(JSON.parse(candidate) as ServerEvent), timeoutMs);
		return JSON.parse(line) as T;
	}

	/** The next JSON event (non-JSON lines skipped). */
	async nextEvent(timeoutMs = defaultTimeoutMs): Promise<ServerEvent> {
		return this.waitForEvent(() => true, timeoutMs);
	}

	/** Lines not consumed yet. */
	unread(): string[] {
		return this.lines.slice(this.#cursor);
	}

	/** Resolves when the server has closed the connection. */
	async waitForClose(timeoutMs = defaultTimeoutMs): Promise<void> {
		await this.#until(() => (this.ended ? true : undefined), 'the connection to close', timeoutMs);
	}

	close(): void {
		this.stream.end();
	}

	destroy(): void {
		this.stream.destroy();
	}

	#split(): void {
		for (;;) {
			const prompt = prompts.find(candidate => this.#pending.startsWith(candidate));
			if (prompt) {
				this.lines.push(prompt.trimEnd());
				this.#pending = this.#pending.slice(prompt.length);
				continue;
			}

			const end = this.#pending.indexOf('\n');
			if (end === -1) {
				return;
			}

			this.lines.push(this.#pending.slice(0, end).replace(/\r$/, ''));
			this.#pending = this.#pending.slice(end + 1);
		}
	}

	#tail(): string {
		return JSON.stringify(this.lines.slice(-5).map(line => (line.length > 200 ? `${line.slice(0, 200)}…` : line)));
	}

	#wake(): void {
		for (const waiter of this.#waiters) {
			waiter();
		}
	}

	async #until<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
		const found = check();
		if (found !== undefined) {
			return found;
		}

		return new Promise<T>((resolve, reject) => {
			const waiter = () => {
				const value = check();
				if (value !== undefined) {
					finish();
					resolve(value);
				} else if (this.ended && what !== 'the connection to close') {
					finish();
					reject(new Error(`connection closed while waiting for ${what}; last lines: ${this.#tail()}`));
				}
			};

			const timer = setTimeout(() => {
				finish();
				reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last lines: ${this.#tail()}`));
			}, timeoutMs);
			const finish = () => {
				clearTimeout(timer);
				this.#waiters.delete(waiter);
			};

			this.#waiters.add(waiter);
			waiter();
		});
	}
}

/** Connects and logs in over text mode; resolves after the `ok: welcome …` line. */
export async function loginText(port: number, user: string, password: string): Promise<LineSocket> {
	const client = await LineSocket.connect(port);
	await client.waitFor('Username:');
	client.send(user);
	await client.waitFor('Password:');
	client.send(password);
	await client.waitFor(line => line.startsWith(`ok: welcome ${user.toLowerCase()}.`));
	return client;
}

/** Connects and logs in over JSON mode (hello + login, with resume points if given); resolves after `login_ok`. */
export async function loginJson(port: number, user: string, password: string, resume?: Readonly<Record<string, number>>): Promise<LineSocket> {
	const client = await LineSocket.connect(port);
	client.sendJson({type: 'hello', protocol: 2, client: 'test', presence: true});
	client.sendJson(resume ? {type: 'login', id: 'login', user, password, resume} : {type: 'login', id: 'login', user, password});
	await client.waitForEvent(event => event.type === 'login_ok');
	return client;
}

let lastCommandId = 0;

/** Sends a slash-command over JSON mode and resolves with its reply (`ok` or `error`, matched by id). */
export async function jsonCommand(client: LineSocket, line: string): Promise<ServerEvent> {
	const id = `cmd-${++lastCommandId}`;
	client.sendJson({type: 'command', id, line});
	return client.waitForEvent(event => (event.type === 'ok' || event.type === 'error') && event.id === id);
}
