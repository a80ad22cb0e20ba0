import {setTimeout as sleep} from 'node:timers/promises';
import {encodeToken} from '../token.js';
import {type BenchClient, nowMicros} from './client.js';
import type {DeliveryCounter} from './counter.js';

/**
Sends messages to one group from `clients` (all members, all counting into `counter`) as fast as
the server takes them: at most `window` commands per sender waiting for their `ok`, topped up every
millisecond. Every `ok` means the message was committed, so the rate is a persisted-write
throughput. Sequence numbers go on from one `send` to the next, so the counter sees no duplicate.
*/
export class GroupFiller {
	readonly #clients: readonly BenchClient[];
	readonly #counter: DeliveryCounter;
	readonly #prefix: string;
	readonly #sequences: number[];
	#turn = 0;

	constructor(clients: readonly BenchClient[], counter: DeliveryCounter, group: string) {
		this.#clients = clients;
		this.#counter = counter;
		this.#prefix = `{"type":"command","line":"/group_msg ${group} `;
		this.#sequences = new Array<number>(clients.length).fill(0);
	}

	/** Sends `total` messages; resolves when every `ok` and every delivery to the other members is in. */
	async send(total: number, window: number, onProgress?: (acked: number) => void): Promise<void> {
		const clients = this.#clients;
		const counter = this.#counter;
		const senders = clients.length;
		const acksBefore = counter.acks;
		const deliveredBefore = counter.delivered;
		let sent = 0;
		let lastProgress = performance.now();
		for (;;) {
			const acked = counter.acks - acksBefore;
			if (acked >= total && counter.delivered - deliveredBefore >= total * (senders - 1)) {
				return;
			}

			const closed = clients.find(client => client.closed);
			if (closed) {
				throw new Error(`a sender was disconnected while filling (${closed.byeReason ?? 'no reason given'})`);
			}

			const room = Math.min(total - sent, (window * senders) - (sent - acked));
			if (room > 0) {
				const batches = new Array<string>(senders).fill('');
				const now = nowMicros();
				for (let index = 0; index < room; index++) {
					const sender = this.#turn;
					this.#turn = (this.#turn + 1) % senders;
					batches[sender] += `${this.#prefix}${encodeToken(sender, this.#sequences[sender]!++, now)}"}\n`;
				}

				for (const [sender, batch] of batches.entries()) {
					if (batch !== '') {
						clients[sender]!.write(batch);
					}
				}

				sent += room;
			}

			if (onProgress && performance.now() - lastProgress >= 1000) {
				lastProgress = performance.now();
				onProgress(acked);
			}

			// eslint-disable-next-line no-await-in-loop
			await sleep(1);
		}
	}
}
