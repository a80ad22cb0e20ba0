import process from 'node:process';
import type {Writable} from 'node:stream';

export type LogLevel = 'info' | 'warn' | 'error';

/** Values a log line may carry. Never a password, never a message body. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** One line per event: `listening`, `connect`, `login_ok`, `login_failed`, `disconnect`, `slow_reader`, `error`, `reload`… */
export type Logger = {
	log(level: LogLevel, event: string, fields?: LogFields): void;
};

export type LogFormat = 'text' | 'json';

export const logFormats: readonly LogFormat[] = ['text', 'json'];

/** A logger that drops everything (the default for embedded servers: tests, the demo). */
export const silentLogger: Logger = {
	log() {},
};

// Values are quoted only when they would break `key=value` splitting.
function formatValue(value: string | number | boolean): string {
	const text = String(value);
	return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

export function formatTextLine(ts: string, level: LogLevel, event: string, fields: LogFields): string {
	let line = `${ts} ${level} ${event}`;
	for (const [key, value] of Object.entries(fields)) {
		if (value !== undefined) {
			line += ` ${key}=${formatValue(value)}`;
		}
	}

	return line;
}

export function createLogger(options: {format?: LogFormat; stream?: Writable; now?: () => Date} = {}): Logger {
	const format = options.format ?? 'text';
	const stream = options.stream ?? process.stderr;
	const now = options.now ?? (() => new Date());
	return {
		log(level, event, fields = {}) {
			const ts = now().toISOString();
			const line = format === 'json'
				? JSON.stringify({ts, level, event, ...fields})
				: formatTextLine(ts, level, event, fields);
			stream.write(`${line}\n`);
		},
	};
}
