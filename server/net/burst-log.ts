import {performance} from 'node:perf_hooks';
import type {LogFields, Logger, LogLevel} from '../log.js';

/**
An event that can come thousands of times a second (a refused connection, a busy login queue, a
failed accept) logged once per burst: the first occurrence is logged at once, later ones only
counted, and the next line (at most one per `intervalMs`) says how many there were since.
*/
export class BurstLog {
	readonly #logger: Logger;
	readonly #level: LogLevel;
	readonly #event: string;
	readonly #intervalMs: number;
	readonly #now: () => number;
	#lastLogged = Number.NEGATIVE_INFINITY;
	#unlogged = 0;

	constructor(logger: Logger, level: LogLevel, event: string, options: {intervalMs?: number; now?: () => number} = {}) {
		this.#logger = logger;
		this.#level = level;
		this.#event = event;
		this.#intervalMs = options.intervalMs ?? 10_000;
		this.#now = options.now ?? (() => performance.now());
	}

	/** One occurrence; returns whether a line was written for it. */
	note(fields: LogFields = {}): boolean {
		const now = this.#now();
		this.#unlogged++;
		if (now - this.#lastLogged < this.#intervalMs) {
			return false;
		}

		this.#logger.log(this.#level, this.#event, {...fields, count: this.#unlogged});
		this.#lastLogged = now;
		this.#unlogged = 0;
		return true;
	}
}
