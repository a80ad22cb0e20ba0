import {describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import type {AppendOptions, AppendResult, ConversationId, MessageDraft} from '../../server/core/store.js';
import {MemoryStore} from '../../server/store/index.js';
import {loginJson} from '../helpers/line-socket.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {testUsers} from '../helpers/test-server.js';

const fixture = serverFixture();

/**
A store on a slow disk: every append changes the state at once (as the SQLite store does) but
its commit settles only 20 ms after the first write of a batch; `mostWaiting` is the largest
number of appends that waited for a commit at once.
*/
class SlowDiskStore extends MemoryStore {
	mostWaiting = 0;
	#waiting = 0;
	#commit: Promise<void> | undefined;

	override async append(conversation: ConversationId, draft: MessageDraft, options?: AppendOptions): Promise<AppendResult> {
		const appended = super.append(conversation, draft, options);
		this.#waiting++;
		this.mostWaiting = Math.max(this.mostWaiting, this.#waiting);
		this.#commit ??= new Promise(resolve => {
			setTimeout(() => {
				this.#commit = undefined;
				this.#waiting = 0;
				resolve();
			}, 20);
		});
		await this.#commit;
		return appended;
	}
}

describe('a server whose store commits slower than clients send', () => {
	it('stops starting commands past its bound on replies waiting for commits, and answers every one in order', async () => {
		const store = new SlowDiskStore();
		const server = await fixture.start({rate: 0, store, maxRepliesWaiting: 8});
		const names = ['alice', 'bob', 'carol', 'dave'] as const;
		const clients = await Promise.all(names.map(async name => fixture.keep(await loginJson(server.port, name, testUsers[name]))));
		const perClient = 40;
		for (const [index, client] of clients.entries()) {
			const to = names[(index + 1) % names.length];
			// Each client pipelines all its messages in one write: 160 commands arrive at once.
			client.write(Array.from({length: perClient}, (_, n) => `${JSON.stringify({type: 'command', id: n, line: `/msg ${to} ${n}`})}\n`).join(''));
		}

		for (const client of clients) {
			const replies: ServerEvent[] = [];
			for (let n = 0; n < perClient; n++) {
				// eslint-disable-next-line no-await-in-loop
				replies.push(await client.waitForEvent(event => (event.type === 'ok' || event.type === 'error') && event.id !== 'login'));
			}

			expect(replies.map(reply => reply.type === 'ok' ? reply.id : reply)).toEqual(Array.from({length: perClient}, (_, n) => n));
		}

		// Without the bound all 160 would wait for the first commit; with it, the 8 plus at most one more per client.
		expect(store.mostWaiting).toBeGreaterThanOrEqual(8);
		expect(store.mostWaiting).toBeLessThanOrEqual(8 + clients.length);
		const history = await store.history('@alice,bob', {limit: 1000});
		expect(history.messages.map(message => message.text)).toEqual(Array.from({length: perClient}, (_, n) => String(n)));
	});
});
