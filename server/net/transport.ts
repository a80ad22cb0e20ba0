import {Buffer} from 'node:buffer';
import type {Duplex} from 'node:stream';
import {LineFramer, type Frame} from '../../source/protocol/index.js';
import {joinChunks, scheduleFlush} from './flush-queue.js';

export type TransportLimits = {
	readonly maxLineBytes: number;
	readonly hardCapBytes: number;
	/** Drop a reader whose unsent output exceeds this. */
	readonly maxOutboundBytes: number;
	/** How long a closing transport may take to flush before it is cut. */
	readonly closeGraceMs: number;
};

/** What the transport hands up: frames one at a time (a returned promise holds the next back), and its end. */
export type TransportHandler = {
	onFrame(frame: Frame): void | Promise<void>;
	/** The peer will send nothing more and every frame has been handled. */
	onInputDone(): void;
	/** The peer sent its last byte (frames before it may still be waiting or running). */
	onInputEnded?(): void;
	/** Dropped for not reading (the reason is logged by the caller). */
	onSlowReader(buffered: number): void;
	onClose(reason: string): void;
	/** A frame's handler threw or rejected. */
	onFrameError(error: unknown): void;
};

/** A read at least this big means the peer has more waiting: the rest is read next turn. */
const bulkReadBytes = 16 * 1024;

/** How far past maxOutboundBytes a single turn may write before the flush is even tried. */
const burstAllowance = 8;

/** Frames waiting behind a busy one before input is paused (a pipelining client is read ahead this far). */
const maxBacklog = 64;

/** Text waiting in the backlog (UTF-16 code units) before input is paused: the byte budget of a connection's read-ahead. */
const maxBacklogChars = 128 * 1024;

/** Each stream's transport, for the stream listeners: shared functions (see `start`), not five closures per connection. */
const transportOf = new WeakMap<Duplex, Transport>();

function frameChars(frame: Frame): number {
	return frame.kind === 'line' ? frame.text.length : 0;
}

/**
One connection's bytes: framing, frames handled one at a time in order, a bounded outbound queue
coalesced into one write per event-loop turn, the slow-reader drop, and closing. It knows nothing
of what the lines mean.
*/
export class Transport {
	readonly #stream: Duplex;
	readonly #limits: TransportLimits;
	readonly #framer: LineFramer;
	#handler: TransportHandler | undefined;
	/** A frame's handler is running (its promise has not settled): later frames wait in the backlog. */
	#busy = false;
	/** Made when a frame first has to wait (most connections never pipeline). */
	#backlog: Frame[] | undefined;
	#backlogChars = 0;
	#paused = false;
	#inputEnded = false;
	#inputDone = false;
	#closing = false;
	#closed = false;
	#closeReason = 'peer_closed';
	readonly #pending: Buffer[] = [];
	#pendingBytes = 0;
	#flushScheduled = false;
	#yielding = false;
	/** Made at the first bulk read (most connections never have one). */
	#endYield: (() => void) | undefined;
	#graceTimer: NodeJS.Timeout | undefined;
	/** Made when a writer first waits for a drain. */
	#drainWaiters: Array<() => void> | undefined;
	/** Made when first asked for (most connections never are until shutdown). */
	#closedPromise: Promise<void> | undefined;
	#resolveClosed: (() => void) | undefined;

	readonly #counters: {bytesOut: number} | undefined;

	/** `counters.bytesOut` grows by every byte written. */
	constructor(stream: Duplex, limits: TransportLimits, counters?: {bytesOut: number}) {
		this.#counters = counters;
		this.#stream = stream;
		this.#limits = limits;
		// The framer reads the line limits from this same object (no copy of them per connection).
		this.#framer = new LineFramer(limits);
	}

	/** Starts reading; frames go to `handler`. */
	start(handler: TransportHandler): void {
		this.#handler = handler;
		const stream = this.#stream;
		// The listeners are shared by every transport: a stream calls them with itself as `this`.
		transportOf.set(stream, this);
		stream.on('data', Transport.#streamData);
		stream.on('end', Transport.#streamEnd);
		stream.on('error', Transport.#streamError);
		stream.on('drain', Transport.#streamDrain);
		stream.on('close', Transport.#streamClose);
	}

	static #streamData(this: Duplex, chunk: Buffer): void {
		transportOf.get(this)!.#onData(chunk);
	}

	static #streamEnd(this: Duplex): void {
		transportOf.get(this)!.#onEnd();
	}

	static #streamError(this: Duplex, error: NodeJS.ErrnoException): void {
		const transport = transportOf.get(this)!;
		if (!transport.#closing) {
			transport.#closeReason = `error ${error.code ?? error.message}`;
		}
	}

	static #streamDrain(this: Duplex): void {
		const transport = transportOf.get(this)!;
		transport.#goOnIfHeld();
		transport.#wakeDrainWaiters();
	}

	static #streamClose(this: Duplex): void {
		transportOf.get(this)!.#onClose();
	}

	get closing(): boolean {
		return this.#closing;
	}

	/** Resolves once the stream is closed (and the handler told). */
	get closed(): Promise<void> {
		this.#closedPromise ??= this.#closed ? Promise.resolve() : new Promise(resolve => {
			this.#resolveClosed = resolve;
		});
		return this.#closedPromise;
	}

	/** Queues bytes for the end of this turn. Shared event bytes are only referenced, never copied per recipient. */
	write(bytes: Buffer | string): void {
		const stream = this.#stream;
		if (this.#closed || stream.destroyed || stream.writableEnded) {
			return;
		}

		const chunk = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
		this.#pending.push(chunk);
		this.#pendingBytes += chunk.length;
		if (!this.#flushScheduled) {
			this.#flushScheduled = true;
			scheduleFlush(this.#flush);
		}

		// One turn's output may briefly exceed the limit (it is judged after the flush), but never by this much.
		if (this.#pendingBytes + stream.writableLength > this.#limits.maxOutboundBytes * burstAllowance) {
			this.#dropSlowReader();
		}
	}

	/** Input memory held: the unfinished line's buffer (at most the line limit + 1) and the text read ahead. */
	get inputHeldBytes(): number {
		return this.#framer.heldBytes + (2 * this.#backlogChars);
	}

	/** Unsent output: what this turn queued plus what the kernel has not taken. */
	get bufferedBytes(): number {
		return this.#pendingBytes + this.#stream.writableLength;
	}

	/** Resolves once unsent output is under half the bound (at once when it already is, or when closed). */
	async ready(): Promise<void> {
		if (this.#closed || this.bufferedBytes < this.#limits.maxOutboundBytes / 2) {
			return;
		}

		this.#flush();
		if (this.#stream.writableLength < this.#limits.maxOutboundBytes / 2) {
			return;
		}

		return new Promise(resolve => {
			(this.#drainWaiters ??= []).push(resolve);
		});
	}

	/** Writes `last` (a goodbye), flushes and ends; the peer gets `closeGraceMs` to read it. */
	close(reason: string, last?: Buffer): void {
		if (this.#closing) {
			return;
		}

		this.#closing = true;
		this.#closeReason = reason;
		if (last) {
			this.write(last);
		}

		this.#flush();
		this.#stream.end();
		// Keep reading (and discarding) until the peer closes, so unread input cannot turn the close into a reset.
		this.#stream.resume();
		this.#graceTimer = setTimeout(() => {
			this.#stream.destroy();
		}, this.#limits.closeGraceMs);
	}

	readonly #flush = (): void => {
		this.#flushScheduled = false;
		const pending = this.#pending;
		if (pending.length === 0) {
			return;
		}

		const bytes = joinChunks(pending, this.#pendingBytes);
		pending.length = 0;
		this.#pendingBytes = 0;
		const stream = this.#stream;
		if (stream.destroyed || stream.writableEnded) {
			return;
		}

		stream.write(bytes);
		if (this.#counters) {
			this.#counters.bytesOut += bytes.length;
		}

		if (stream.writableLength > this.#limits.maxOutboundBytes) {
			this.#dropSlowReader();
		} else {
			// The kernel may have taken it all, and then no 'drain' comes.
			this.#goOnIfHeld();
		}
	};

	/** Frames (or input) held back for this connection's own output go on once it is under half the bound. */
	#goOnIfHeld(): void {
		if (this.#paused || (this.#backlog?.length ?? 0) > 0) {
			this.#drainBacklog();
		}
	}

	#dropSlowReader(): void {
		if (this.#closed || this.#stream.destroyed) {
			return;
		}

		this.#handler?.onSlowReader(this.bufferedBytes);
		this.#closeReason = 'slow_reader';
		this.#closing = true;
		this.#pending.length = 0;
		this.#pendingBytes = 0;
		// Whatever is queued would never be read: drop it, bye included. Destroyed with an error, the
		// stream fails its queued writes with that one error; without one it makes a new Error, stack
		// and all, for each queued write: ~0.5 s of CPU for 200 000 of them, stalling everyone else.
		this.#stream.destroy(new Error('slow reader dropped'));
	}

	#wakeDrainWaiters(): void {
		const waiters = this.#drainWaiters;
		if (waiters === undefined) {
			return;
		}

		this.#drainWaiters = undefined;
		for (const wake of waiters) {
			wake();
		}
	}

	// --- input ---

	#onData(chunk: Buffer): void {
		if (this.#closing) {
			return;
		}

		this.#take(this.#framer.push(chunk));
		// A peer sending in bulk gets one read per event-loop turn, like everyone else. Otherwise one
		// turn may carry megabytes of a few senders' commands (libuv reads a ready socket up to 32
		// times), and the fan-out of that one turn overruns every reader's outbound bound at once.
		if (chunk.length >= bulkReadBytes && !this.#yielding) {
			this.#yielding = true;
			this.#updateReading();
			scheduleFlush(this.#endYield ??= () => {
				this.#yielding = false;
				this.#updateReading();
			});
		}
	}

	#onEnd(): void {
		this.#inputEnded = true;
		if (!this.#closing) {
			this.#handler?.onInputEnded?.();
			this.#take(this.#framer.end());
			this.#checkInputDone();
		}
	}

	#take(frames: Frame[]): void {
		for (const frame of frames) {
			if (this.#busy || this.#outputBacked()) {
				(this.#backlog ??= []).push(frame);
				this.#backlogChars += frameChars(frame);
			} else if (!this.#closing) {
				this.#run(frame);
			}
		}

		this.#updateReading();
	}

	/** Runs one frame; a promise makes the transport busy until it settles, then the backlog goes on. */
	#run(frame: Frame): void {
		let result: void | Promise<void>;
		try {
			result = this.#handler!.onFrame(frame);
		} catch (error) {
			this.#handler!.onFrameError(error);
			return;
		}

		if (result === undefined) {
			return;
		}

		this.#busy = true;
		result.then(this.#frameDone, this.#frameFailed);
	}

	readonly #frameDone = (): void => {
		this.#busy = false;
		this.#drainBacklog();
	};

	readonly #frameFailed = (error: unknown): void => {
		try {
			this.#handler!.onFrameError(error);
		} finally {
			this.#frameDone();
		}
	};

	#drainBacklog(): void {
		while (!this.#busy && !this.#closing && this.#backlog !== undefined && this.#backlog.length > 0 && !this.#outputBacked()) {
			const frame = this.#backlog.shift()!;
			this.#backlogChars -= frameChars(frame);
			this.#run(frame);
		}

		if (this.#closing) {
			this.#backlog = undefined;
			this.#backlogChars = 0;
		}

		this.#updateReading();
		this.#checkInputDone();
	}

	/**
	Whether this connection's own unsent output is over half the bound: its next frames wait (and,
	once the backlog is long, its input too) until the peer has read some. A client that pipelines
	commands faster than it reads their replies is slowed down so (backpressure), where it would
	otherwise be dropped as a slow reader.
	*/
	#outputBacked(): boolean {
		return this.#pendingBytes + this.#stream.writableLength > this.#limits.maxOutboundBytes / 2;
	}

	/** Reads while the backlog is short and the peer is not yielding its turn. */
	#updateReading(): void {
		if (this.#closing || this.#stream.destroyed) {
			return;
		}

		const pause = this.#yielding || (this.#backlog?.length ?? 0) >= maxBacklog || this.#backlogChars >= maxBacklogChars;
		if (pause && !this.#paused) {
			this.#paused = true;
			this.#stream.pause();
		} else if (!pause && this.#paused) {
			this.#paused = false;
			this.#stream.resume();
		}
	}

	#checkInputDone(): void {
		if (this.#inputEnded && !this.#busy && (this.#backlog?.length ?? 0) === 0 && !this.#closing && !this.#inputDone) {
			this.#inputDone = true;
			this.#handler?.onInputDone();
		}
	}

	#onClose(): void {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		this.#closing = true;
		clearTimeout(this.#graceTimer);
		this.#backlog = undefined;
		this.#backlogChars = 0;
		this.#wakeDrainWaiters();
		this.#handler?.onClose(this.#closeReason);
		this.#resolveClosed?.();
	}
}
