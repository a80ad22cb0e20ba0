import {afterEach, expect, test} from 'vitest';
import {ChatConnection} from '../../source/client/connection.js';
import {startDemoBot, type DemoBot} from '../../source/demo/bot.js';
import type {NatterServer} from '../../server/index.js';
import {nextEvent} from '../helpers/next-event.js';
import {startTestServer} from '../ui/helpers/server.js';

const toClose: Array<{close(): Promise<void>}> = [];
afterEach(async () => {
	for (const item of toClose.splice(0).reverse()) {
		await item.close().catch(() => undefined);
	}
});

test('natterbot answers a /me with an action of its own, in the group and in a direct message', async () => {
	const server: NatterServer = await startTestServer();
	toClose.push(server);
	const bot: DemoBot = await startDemoBot(server.address);
	toClose.push(bot);
	const alice = await ChatConnection.open({...server.address, user: 'alice', password: 'wonderland'});
	toClose.push(alice);
	await alice.request('/join lobby');
	const inGroup = nextEvent(alice, event => event.type === 'group_msg' && event.from === 'natterbot');
	await alice.request('/me #lobby waves');
	expect(await inGroup).toMatchObject({group: 'lobby', text: 'nods at alice', action: true});
	const direct = nextEvent(alice, event => event.type === 'msg' && event.from === 'natterbot');
	await alice.request('/me @natterbot pokes');
	expect(await direct).toMatchObject({to: 'alice', text: 'nods at alice', action: true});
});
