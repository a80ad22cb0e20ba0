import {renameSync, writeFileSync} from 'node:fs';
import {readFile, rename, writeFile} from 'node:fs/promises';
import process from 'node:process';
import {
	conversationOf,
	MAX_RESUME_CONVERSATIONS,
	parseConversation,
	type ChatMessage,
	type ResumePoints,
	type ServerEvent,
} from '../protocol/index.js';

/** The cursor file is written at most this often (and once more at exit). */
export const cursorWriteIntervalMs = 100;

/** Where a message event's or a send reply's message is, if the event carries one. */
function messageOf(event: ServerEvent): ChatMessage | undefined {
	if (event.type === 'msg' || event.type === 'broadcast' || event.type === 'group_msg') {
		return event;
	}

	if (event.type === 'ok' && (event.command === 'msg' || event.command === 'broadcast' || event.command === 'group_msg' || event.command === 'me')) {
		return event.message;
	}

	return undefined;
}

/** Parse a cursor file's text: a JSON object of conversation to seq. Returns the points or what is wrong. */
export function parseCursor(text: string): ResumePoints | string {
	if (text.trim() === '') {
		return {};
	}

	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return 'not JSON (expected an object such as {"#dev": 41, "@bob": 7, "*": 0})';
	}

	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return 'not a JSON object (expected one such as {"#dev": 41, "@bob": 7, "*": 0})';
	}

	const points: Record<string, number> = {};
	for (const [key, seq] of Object.entries(value)) {
		const conversation = parseConversation(key);
		if (!conversation.ok) {
			return `${JSON.stringify(key.slice(0, 40))}: ${conversation.message}`;
		}

		if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
			return `the seq of ${conversation.name} must be a whole number >= 0`;
		}

		points[conversation.name] = Math.max(points[conversation.name] ?? 0, seq);
	}

	if (Object.keys(points).length > MAX_RESUME_CONVERSATIONS) {
		return `more than ${MAX_RESUME_CONVERSATIONS} conversations`;
	}

	return points;
}

/**
`natter pipe --cursor FILE`: the newest seq seen per conversation, read at start (the resume
points sent at login) and written back after message events, atomically (a temp file renamed
over it), at most every 100 ms and once more at exit.
*/
export class CursorFile {
	/** Read `path`; a missing file is an empty cursor. Returns the cursor or what is wrong with the file. */
	static async load(path: string): Promise<CursorFile | string> {
		let text = '';
		try {
			text = await readFile(path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				return `cannot read the cursor file: ${(error as Error).message}`;
			}
		}

		const points = parseCursor(text);
		return typeof points === 'string' ? `the cursor file ${path} is not valid: ${points}` : new CursorFile(path, points);
	}

	readonly path: string;
	/** The first write error, reported at exit. */
	error: Error | undefined;
	readonly #points: Record<string, number>;
	#me = '';
	#dirty = false;
	#writing: Promise<void> | undefined;
	#timer: NodeJS.Timeout | undefined;
	#lastWrite = 0;

	private constructor(path: string, points: ResumePoints) {
		this.path = path;
		this.#points = {...points};
	}

	/** The resume points to send at login. */
	get points(): ResumePoints {
		return {...this.#points};
	}

	/** Note the seq of a message the pipe has written out (events and replies to its own sends). */
	observe(event: ServerEvent): void {
		if (event.type === 'login_ok') {
			this.#me = event.user;
			return;
		}

		const message = messageOf(event);
		if (!message || this.#me === '') {
			return;
		}

		const conversation = conversationOf(message, this.#me);
		if (message.seq > (this.#points[conversation] ?? -1)) {
			this.#points[conversation] = message.seq;
			this.#dirty = true;
			this.#schedule();
		}
	}

	/** Write what is not written yet and wait for it. */
	async flush(): Promise<void> {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		await this.#writing;
		if (this.#dirty) {
			await this.#write();
		}
	}

	/** For a signal: write now, synchronously, whatever is in flight. */
	flushSync(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		if (!this.#dirty && this.#writing === undefined) {
			return;
		}

		try {
			const temporary = this.#temporaryPath();
			writeFileSync(temporary, this.#text());
			renameSync(temporary, this.path);
			this.#dirty = false;
		} catch (error) {
			this.error ??= error as Error;
		}
	}

	#text(): string {
		return `${JSON.stringify(this.#points)}\n`;
	}

	#temporaryPath(): string {
		return `${this.path}.${process.pid}.tmp`;
	}

	#schedule(): void {
		if (this.#timer || this.#writing) {
			return;
		}

		const wait = Math.max(0, this.#lastWrite + cursorWriteIntervalMs - Date.now());
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			void this.#write();
		}, wait);
	}

	async #write(): Promise<void> {
		this.#dirty = false;
		this.#lastWrite = Date.now();
		const temporary = this.#temporaryPath();
		const text = this.#text();
		const writing = (async () => {
			await writeFile(temporary, text);
			await rename(temporary, this.path);
		})();
		this.#writing = writing;
		try {
			await writing;
		} catch (error) {
			this.error ??= error as Error;
		} finally {
			this.#writing = undefined;
		}

		if (this.#dirty) {
			this.#schedule();
		}
	}
}
