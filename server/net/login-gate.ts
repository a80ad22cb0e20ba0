export type LoginGateOptions = {
	/** The password check itself (bcrypt, in the worker pool). */
	readonly verify: (name: string, password: string) => Promise<boolean>;
	/** Checks handed to `verify` at once: the bcrypt workers. The rest wait here, where they can be bounded and dropped. */
	readonly concurrency: number;
	/** Checks waiting for a worker, from everyone; past it a login is answered `busy`. 0: no limit. */
	readonly maxQueued: number;
};

export type CheckResult = 'accepted' | 'rejected' | 'busy' | 'cancelled';

/** What a waiting check is cancelled by: an AbortSignal, or anything with its `aborted` and abort listeners. */
export type CancelSignal = {
	readonly aborted: boolean;
	addEventListener(type: 'abort', listener: () => void, options?: {readonly once?: boolean}): void;
	removeEventListener(type: 'abort', listener: () => void): void;
};

type Waiting = {
	readonly name: string;
	readonly password: string;
	readonly resolve: (result: CheckResult) => void;
	readonly reject: (error: unknown) => void;
	readonly onStart: (() => void) | undefined;
	readonly signal: CancelSignal | undefined;
	readonly onAbort: () => void;
};

/**
The queue in front of the password checks. At most `concurrency` checks run (one per bcrypt
worker); others wait in order, at most `maxQueued` of them (a login past that is answered `busy`
at once instead of waiting minutes), and a waiting check whose connection closed is dropped
before it costs any bcrypt time.
*/
export class LoginGate {
	readonly #options: LoginGateOptions;
	/** Waiting checks in order; a dropped one leaves the set at once. */
	readonly #waiting = new Set<Waiting>();
	#running = 0;

	constructor(options: LoginGateOptions) {
		if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
			throw new RangeError(`login check concurrency must be a positive integer, got ${options.concurrency}`);
		}

		this.#options = options;
	}

	/** Checks waiting for a worker. */
	get queued(): number {
		return this.#waiting.size;
	}

	/** Checks being run. */
	get running(): number {
		return this.#running;
	}

	/**
	Checks `password` for `name`: `accepted` or `rejected`; `busy` when the queue is full;
	`cancelled` when `signal` aborted while the check was still waiting. `onStart` is called when
	the check leaves the queue for a worker.
	*/
	async check(name: string, password: string, options: {readonly signal?: CancelSignal; readonly onStart?: () => void} = {}): Promise<CheckResult> {
		const {signal, onStart} = options;
		if (signal?.aborted) {
			return 'cancelled';
		}

		const {maxQueued, concurrency} = this.#options;
		if (this.#running < concurrency && this.#waiting.size === 0) {
			onStart?.();
			return this.#run(name, password);
		}

		if (maxQueued > 0 && this.#waiting.size >= maxQueued) {
			return 'busy';
		}

		return new Promise<CheckResult>((resolve, reject) => {
			const waiting: Waiting = {
				name,
				password,
				resolve,
				reject,
				onStart,
				signal,
				onAbort: () => {
					if (this.#waiting.delete(waiting)) {
						resolve('cancelled');
					}
				},
			};
			this.#waiting.add(waiting);
			signal?.addEventListener('abort', waiting.onAbort, {once: true});
		});
	}

	async #run(name: string, password: string): Promise<CheckResult> {
		this.#running++;
		try {
			return await this.#options.verify(name, password) ? 'accepted' : 'rejected';
		} finally {
			this.#running--;
			this.#next();
		}
	}

	#next(): void {
		while (this.#running < this.#options.concurrency) {
			const first = this.#waiting.values().next();
			if (first.done) {
				return;
			}

			const waiting = first.value;
			this.#waiting.delete(waiting);
			waiting.signal?.removeEventListener('abort', waiting.onAbort);
			waiting.onStart?.();
			this.#run(waiting.name, waiting.password).then(waiting.resolve, waiting.reject);
		}
	}
}
