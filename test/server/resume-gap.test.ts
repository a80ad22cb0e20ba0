import {describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {loginJson} from '../helpers/line-socket.js';
import {testUsers} from '../helpers/test-server.js';
import {oneNode, topologies, topologyFixture, twoNodes} from '../helpers/topologies.js';

// Bob resumes through the balancer on another node than the one alice filled the history on.
describe.each(topologies(oneNode, twoNodes))('resume from before what the store keeps, $name', topology => {
	const fixture = topologyFixture(topology);

	it('says so with a gap, then sends every kept message once, in order', async () => {
		// One node: the in-memory store bounded at 10; a cluster: the streams' MAXLEN ~ 10.
		// bob is offline: a mailbox of 2000 takes 200 from alice alone (a tenth of it from one sender).
		const server = await fixture.start({data: ':memory:', historyMax: 10, rate: 0, mailboxCap: 2000});
		const alice = fixture.keep(await loginJson(server.port, 'alice', testUsers.alice));
		for (let index = 1; index <= 200; index++) {
			alice.sendJson({type: 'command', id: `fill-${index}`, line: `/msg bob m${index}`});
		}

		await alice.waitForEvent(event => event.type === 'ok' && event.id === 'fill-200');
		const bob = fixture.keep(await loginJson(server.port, 'bob', testUsers.bob, {'@alice': 0}));
		const gap = await bob.waitForEvent<Extract<ServerEvent, {type: 'gap'}>>(event => event.type === 'gap');
		expect(gap).toMatchObject({conversation: '@alice', after: 0, skipped: gap.before - 1});
		expect(gap.before).toBeGreaterThan(1);
		const seqs: number[] = [];
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const event = await bob.nextEvent();
			if (event.type === 'resumed') {
				expect(event).toMatchObject({messages: 201 - gap.before, gaps: 1});
				break;
			}

			if (event.type === 'msg') {
				seqs.push(event.seq);
			}
		}

		expect(seqs).toEqual(Array.from({length: 201 - gap.before}, (_, index) => gap.before + index));
	});
});
