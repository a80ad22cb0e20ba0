import type {Readable, Writable} from 'node:stream';
import {ChatConnection, ConnectError, type CloseInfo, type CommandReply} from '../client/connection.js';
import {formatCommand, LineFramer, MAX_LINE_BYTES, parseCommand, type ErrorReply, type Frame, type RequestId} from '../protocol/index.js';
import type {CursorFile} from './cursor.js';
import {EventOutput} from './event-output.js';
import type {PipeSettings} from './settings.js';

export type PipeStreams = {
	readonly input: Readable;
	readonly output: Writable;
	readonly errors: Writable;
	/** `--cursor`: resume from its points at login, keep it up to date with every message written out. */
	readonly cursor?: CursorFile;
};

/** How long to wait for the server to close after our `/exit` was answered. */
const exitGraceMs = 2000;

/** Pause before sending a command again that the server refused with `rate_limited`; doubles up to the cap. */
const retry = {firstMs: 100, capMs: 2000};

type Ending = 'end' | 'exit' | 'closed';

/**
Run one scripted session: commands from `input` (one per line), every server event and every
reply to `output` as one JSON object per line. Resolves with the exit code.

Commands go one at a time: the next line is read once the previous one is answered. That keeps
replies in input order even for errors found here, bounds memory whatever the input, and lets a
command refused by the server's flood control be sent again without overtaking the next one.
*/
export async function runPipe(settings: PipeSettings, streams: PipeStreams): Promise<number> {
	const {cursor, errors} = streams;
	const code = await runSession(settings, streams);
	if (!cursor) {
		return code;
	}

	await cursor.flush();
	if (cursor.error) {
		errors.write(`natter pipe: cannot write the cursor file ${cursor.path}: ${cursor.error.message}\n`);
		return 1;
	}

	return code;
}

async function runSession(settings: PipeSettings, {input, output, errors, cursor}: PipeStreams): Promise<number> {
	const events = new EventOutput(output);
	/** Request id of the command waiting for its reply; a `rate_limited` refusal of it is retried, not shown. */
	let inFlight: RequestId | undefined;
	let outputFailed = false;
	output.on('error', () => {
		outputFailed = true;
	});

	let connection: ChatConnection;
	try {
		connection = await ChatConnection.open({
			...settings,
			client: 'natter-pipe',
			...(cursor ? {resume: cursor.points} : {}),
			onEvent(event) {
				if (event.type === 'error' && event.code === 'rate_limited' && event.id !== undefined && event.id === inFlight) {
					return;
				}

				events.write(event);
				cursor?.observe(event);
			},
		});
	} catch (error) {
		const reason = error instanceof ConnectError && error.code === 'auth_failed' ? `login failed: ${error.message}` : (error as Error).message;
		errors.write(`natter pipe: ${reason}\n`);
		input.destroy();
		return 1;
	}

	events.onPressure = behind => {
		if (behind) {
			connection.pause();
		} else {
			connection.resume();
		}
	};

	output.on('error', () => {
		connection.destroy();
	});

	const closed = new Promise<CloseInfo>(resolve => {
		connection.once('close', resolve);
	});
	// The input may never end (a script keeping stdin open): a lost connection must not wait for it.
	void closed.then(() => {
		input.destroy();
	});

	const send = async (line: string, id: RequestId): Promise<CommandReply | undefined> => {
		inFlight = id;
		try {
			for (let delay = retry.firstMs; ; delay = Math.min(delay * 2, retry.capMs)) {
				// eslint-disable-next-line no-await-in-loop
				const reply = await connection.request(line, id);
				if (reply.type !== 'error' || reply.code !== 'rate_limited') {
					return reply;
				}

				// eslint-disable-next-line no-await-in-loop
				if (await pause(delay, closed)) {
					return undefined;
				}
			}
		} catch {
			// The connection was lost while waiting; the caller reports it.
			return undefined;
		} finally {
			inFlight = undefined;
		}
	};

	const ending = await readCommands(input, events, send);
	// Leave with /exit (like a script's own /exit, through flood control), unless the script did.
	const left = ending === 'exit' || (ending === 'end' && (await send('/exit', 'exit'))?.type === 'ok');
	if (!connection.closed) {
		// The server answers /exit with ok, bye and a close; give it the time to do so.
		const timer = setTimeout(() => {
			connection.destroy();
		}, left ? exitGraceMs : 0);
		await closed;
		clearTimeout(timer);
	}

	const info = await closed;
	if (outputFailed) {
		errors.write('natter pipe: cannot write to stdout\n');
		return 1;
	}

	// `requested`: the /exit was answered with an error and the pipe hung up itself; still a deliberate end.
	if (left || info.bye?.reason === 'exit' || (ending === 'end' && info.requested)) {
		return 0;
	}

	const why = info.bye ? `${info.bye.reason}: ${info.bye.text}` : info.error?.message ?? 'the server closed the connection';
	errors.write(`natter pipe: connection lost (${why})\n`);
	return 1;
}

/** Wait `ms`, or less if the connection closes first; true when it closed. */
async function pause(ms: number, closed: Promise<unknown>): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const waited = new Promise<boolean>(resolve => {
		timer = setTimeout(resolve, ms, false);
	});
	const result = await Promise.race([waited, closed.then(() => true)]);
	clearTimeout(timer);
	return result;
}

type Send = (line: string, id: RequestId) => Promise<CommandReply | undefined>;

/** Feed input lines to the server until the input ends, `/exit` was answered, or the connection closed. */
async function readCommands(input: Readable, events: EventOutput, send: Send): Promise<Ending> {
	// Framed like the wire: bounded memory, and an over-long line is an error, not the end of the pipe.
	const framer = new LineFramer({maxLineBytes: MAX_LINE_BYTES, hardCapBytes: Number.MAX_SAFE_INTEGER});
	let lineNumber = 0;
	const handle = async (frame: Frame): Promise<Ending | undefined> => {
		lineNumber++;
		if (frame.kind !== 'line') {
			events.write(frameError(frame, lineNumber));
			return undefined;
		}

		if (frame.text.trim() === '') {
			return undefined;
		}

		const parsed = parseCommand(frame.text);
		if (!parsed.ok) {
			events.write({type: 'error', id: lineNumber, code: parsed.error.code, message: parsed.error.message});
			return undefined;
		}

		const reply = await send(formatCommand(parsed.command), lineNumber);
		if (!reply) {
			return 'closed';
		}

		return parsed.command.type === 'exit' && reply.type === 'ok' ? 'exit' : undefined;
	};

	try {
		for await (const chunk of input) {
			for (const frame of framer.push(chunk as Uint8Array)) {
				// eslint-disable-next-line no-await-in-loop
				const ending = await handle(frame);
				if (ending) {
					return ending;
				}
			}
		}
	} catch {
		// The input was destroyed because the connection closed.
		return 'closed';
	}

	for (const frame of framer.end()) {
		// eslint-disable-next-line no-await-in-loop
		const ending = await handle(frame);
		if (ending) {
			return ending;
		}
	}

	return 'end';
}

function frameError(frame: Exclude<Frame, {kind: 'line'}>, id: number): ErrorReply {
	return frame.kind === 'invalid_utf8'
		? {type: 'error', id, code: 'invalid_utf8', message: 'line is not valid UTF-8'}
		// `overflow` cannot happen: this framer has no hard cap.
		: {type: 'error', id, code: 'line_too_long', message: `line is longer than ${MAX_LINE_BYTES} bytes`};
}
