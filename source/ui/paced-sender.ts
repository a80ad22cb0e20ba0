import type {CommandReply} from '../client/connection.js';

/** Pause before sending a line again that the server refused with `rate_limited`; doubles up to the cap (as `natter pipe` does). */
export const retryPause = {firstMs: 100, capMs: 2000};

type Waiting = {
	readonly line: string;
	readonly resolve: (reply: CommandReply) => void;
	readonly reject: (error: unknown) => void;
};

/**
Sends the screen's command lines one at a time, each after the previous one's reply, and sends a
line the server's flood control refused again after a pause: a pasted log of 45 lines reaches the
server whole, in order, at the pace the server allows, instead of losing the lines past its burst.
*/
export class PacedSender {
	readonly #send: (line: string) => Promise<CommandReply>;
	readonly #onBacklog: (waiting: number) => void;
	readonly #ready: () => Promise<void>;
	readonly #queue: Waiting[] = [];
	#running = false;
	#stopped = false;

	/**
	`onBacklog` hears how many lines wait (including the one on its way) whenever that changes.
	`ready` resolves when a line may go (the connection is up: lines wait through a reconnect) or
	rejects when it never will.
	*/
	constructor(send: (line: string) => Promise<CommandReply>, onBacklog: (waiting: number) => void = () => undefined, ready: () => Promise<void> = async () => undefined) {
		this.#send = send;
		this.#onBacklog = onBacklog;
		this.#ready = ready;
	}

	async send(line: string): Promise<CommandReply> {
		if (this.#stopped) {
			throw new Error('the screen is closing');
		}

		return new Promise((resolve, reject) => {
			this.#queue.push({line, resolve, reject});
			this.#onBacklog(this.#queue.length + (this.#running ? 1 : 0));
			void this.#run();
		});
	}

	/** Drop what waits (each gets an error) and send nothing more. */
	stop(): void {
		this.#stopped = true;
		for (const item of this.#queue.splice(0)) {
			item.reject(new Error('the screen is closing'));
		}
	}

	async #run(): Promise<void> {
		if (this.#running) {
			return;
		}

		this.#running = true;
		try {
			for (let item = this.#queue.shift(); item !== undefined && !this.#stopped; item = this.#queue.shift()) {
				// eslint-disable-next-line no-await-in-loop
				await this.#deliver(item);
				this.#onBacklog(this.#queue.length);
			}
		} finally {
			this.#running = false;
		}
	}

	async #deliver(item: Waiting): Promise<void> {
		try {
			for (let pause = retryPause.firstMs; ; pause = Math.min(pause * 2, retryPause.capMs)) {
				// eslint-disable-next-line no-await-in-loop
				await this.#ready();
				// eslint-disable-next-line no-await-in-loop
				const reply = await this.#send(item.line);
				if (reply.type !== 'error' || reply.code !== 'rate_limited' || this.#stopped) {
					item.resolve(reply);
					return;
				}

				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, pause);
				});
			}
		} catch (error) {
			item.reject(error);
		}
	}
}
