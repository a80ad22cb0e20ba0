import {beforeEach, describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {loginJson, type LineSocket, jsonCommand} from '../helpers/line-socket.js';
import {testUsers} from '../helpers/test-server.js';
import {oneNode, threeNodes, topologies, topologyFixture, twoNodes, type ChatEndpoint} from '../helpers/topologies.js';

const command = jsonCommand;

// The same suite on one node and on clusters, clients spread over the nodes by a balancer.
describe.each(topologies(oneNode, twoNodes, threeNodes))('history and read markers, $name', topology => {
	const fixture = topologyFixture(topology);
	let server: ChatEndpoint;

	beforeEach(async () => {
		server = await fixture.start({rate: 0});
	});

	async function login(user: keyof typeof testUsers): Promise<LineSocket & {loginOk: ServerEvent}> {
		const client = await loginJson(server.port, user, testUsers[user]);
		fixture.keep(client);
		const loginOk = client.lines.map(line => (line.startsWith('{') ? JSON.parse(line) as ServerEvent : undefined)).find(event => event?.type === 'login_ok')!;
		return Object.assign(client, {loginOk});
	}

	describe('read markers over the wire', () => {
		it('two sessions of one user agree on unread counts, and an older marker does not move it back', async () => {
			const alice = await login('alice');
			const bob = await login('bob');
			await command(alice, '/create_group dev');
			await command(bob, '/join_group dev');
			for (let index = 1; index <= 6; index++) {
				// eslint-disable-next-line no-await-in-loop
				await command(alice, `/group_msg dev note ${index}`);
			}

			const bob2 = await login('bob');
			expect(bob2.loginOk).toMatchObject({conversations: [{conversation: '#dev', last_seq: 6, read_seq: 0, unread: 6}, {conversation: '*', unread: 0}]});
			bob.sendJson({type: 'mark_read', id: 'm1', conversation: '#Dev', seq: 4});
			expect(await bob.waitForEvent(event => event.type === 'ok' && event.id === 'm1')).toMatchObject({command: 'read', conversation: '#dev', seq: 4});
			expect(await bob2.waitForEvent(event => event.type === 'read')).toEqual({type: 'read', conversation: '#dev', seq: 4});
			expect(await command(bob2, '/read #dev 2')).toMatchObject({type: 'ok', seq: 4, text: '#dev was already read up to 4'});
			const bob3 = await login('bob');
			expect(bob3.loginOk).toMatchObject({conversations: [{conversation: '#dev', read_seq: 4, unread: 2}, {conversation: '*'}]});
			expect(await command(bob3, '/read #dev')).toMatchObject({seq: 6});
			expect(await bob.waitForEvent(event => event.type === 'read')).toEqual({type: 'read', conversation: '#dev', seq: 6});
			expect(await bob2.waitForEvent(event => event.type === 'read')).toEqual({type: 'read', conversation: '#dev', seq: 6});
		});

		it('counts as unread only messages still there to read: not those gone with an earlier group of the name', async () => {
			const carol = await login('carol');
			await command(carol, '/create_group zz');
			for (let index = 1; index <= 5; index++) {
				// eslint-disable-next-line no-await-in-loop
				await command(carol, `/group_msg zz old ${index}`);
			}

			expect(await command(carol, '/leave_group zz')).toMatchObject({type: 'ok'});
			await command(carol, '/create_group zz');
			await command(carol, '/group_msg zz new');
			const dave = await login('dave');
			await command(dave, '/join_group zz');
			const again = await login('dave');
			expect(again.loginOk).toMatchObject({conversations: [{conversation: '#zz', last_seq: 6, read_seq: 0, unread: 1}, {conversation: '*'}]});
			expect(await command(again, '/history #zz')).toMatchObject({messages: [{seq: 6, text: 'new'}]});
		});

		it('refuses markers for conversations the user cannot read', async () => {
			const alice = await login('alice');
			const carol = await login('carol');
			await command(alice, '/create_group dev');
			expect(await command(carol, '/read #dev')).toMatchObject({type: 'error', code: 'not_member', command: 'read'});
			carol.sendJson({type: 'mark_read', id: 'x', conversation: 'dev'});
			expect(await carol.waitForEvent(event => event.type === 'error' && event.id === 'x')).toMatchObject({code: 'bad_argument', message: expect.stringContaining('#group, @user or *')});
			carol.sendJson({type: 'mark_read', id: 'y', conversation: '@nobody'});
			expect(await carol.waitForEvent(event => event.type === 'error' && event.id === 'y')).toMatchObject({code: 'unknown_user'});
		});
	});

	describe('/history over the wire', () => {
		it('keeps a group\'s history from non-members and leavers, and DMs between their partners', async () => {
			const alice = await login('alice');
			const bob = await login('bob');
			const carol = await login('carol');
			await command(alice, '/create_group dev');
			await command(bob, '/join_group dev');
			await command(alice, '/group_msg dev secret plan');
			await command(alice, '/msg bob just us');
			expect(await command(carol, '/history #dev')).toMatchObject({type: 'error', code: 'not_member'});
			// carol's own DMs with alice are empty: she cannot reach alice and bob's conversation.
			expect(await command(carol, '/history @alice')).toMatchObject({type: 'ok', messages: []});
			expect(await command(bob, '/history #dev')).toMatchObject({type: 'ok', messages: [{text: 'secret plan', seq: 1}]});
			await command(bob, '/leave_group dev');
			expect(await command(bob, '/history #dev')).toMatchObject({type: 'error', code: 'not_member'});
			expect(await command(bob, '/history @alice')).toMatchObject({messages: [{text: 'just us', from: 'alice', to: 'bob'}]});
			// A new member reads what was said before they joined.
			await command(carol, '/join_group dev');
			expect(await command(carol, '/history #dev')).toMatchObject({messages: [{text: 'secret plan'}]});
		});

		it('answers bad arguments and out-of-range seqs clearly', async () => {
			const alice = await login('alice');
			await command(alice, '/broadcast one');
			const cases: Array<[string, Record<string, unknown>]> = [
				['/history', {type: 'error', code: 'usage'}],
				['/history lobby', {type: 'error', code: 'bad_argument'}],
				['/history #-x', {type: 'error', code: 'invalid_name'}],
				['/history * -1', {type: 'error', code: 'bad_argument', message: expect.stringContaining('N must be from 1 to 1000')}],
				['/history * 1000000', {type: 'error', code: 'bad_argument'}],
				['/history * before 99999999999999999999', {type: 'error', code: 'bad_argument'}],
				['/history * after 5000', {type: 'ok', messages: [], more: false}],
				['/history * before 1', {type: 'ok', messages: [], more: false}],
				['/history * before 0', {type: 'ok', messages: []}],
				['/history * after 0', {type: 'ok', messages: [{text: 'one'}], more: false}],
			];
			for (const [line, expected] of cases) {
				// eslint-disable-next-line no-await-in-loop
				expect(await command(alice, line)).toMatchObject(expected);
			}
		});

		it('cuts a page at 512 KiB of text and says there is more', async () => {
			const alice = await login('alice');
			const big = 'x'.repeat(4000);
			for (let index = 0; index < 200; index++) {
				alice.sendJson({type: 'command', line: `/broadcast ${index} ${big}`.slice(0, 4010)});
			}

			await alice.waitForEvent(event => event.type === 'ok' && event.command === 'broadcast' && event.message.seq === 200, 20_000);
			const page = await command(alice, '/history * 200');
			if (page.type !== 'ok' || page.command !== 'history') {
				throw new Error(`expected a history page, got ${JSON.stringify(page)}`);
			}

			expect(page.more).toBe(true);
			expect(page.messages.length).toBeGreaterThan(50);
			expect(page.messages.length).toBeLessThan(200);
			// The newest are kept: the page ends at the newest message and pages back from its first.
			expect(page.messages.at(-1)!.seq).toBe(200);
			const older = await command(alice, `/history * before ${page.messages[0]!.seq} 200`);
			expect(older).toMatchObject({type: 'ok', messages: expect.arrayContaining([expect.objectContaining({seq: page.messages[0]!.seq - 1})])});
		});
	});

	describe('a pipelining client', () => {
		it('gets one reply per command in order while many of its commands share a commit', async () => {
			const alice = await login('alice');
			const bob = await login('bob');
			await command(alice, '/create_group dev');
			await command(bob, '/join_group dev');
			// Commits are the SQLite store's batching (one node's counter); a cluster has no such counter.
			const sqlite = topology.nodes === 1 ? server.servers[0]!.server : undefined;
			const before = sqlite?.storeStats()!.commits ?? 0;
			const lines = [];
			for (let index = 0; index < 300; index++) {
				lines.push(JSON.stringify({type: 'command', id: `p${index}`, line: index % 50 === 7 ? '/bogus' : `/group_msg dev line ${index}`}));
			}

			alice.stream.write(`${lines.join('\n')}\n`);
			const replies = [];
			for (let index = 0; index < 300; index++) {
				// eslint-disable-next-line no-await-in-loop
				replies.push(await alice.waitForEvent(event => event.type === 'ok' || event.type === 'error'));
			}

			expect(replies.map(reply => 'id' in reply ? reply.id : undefined)).toEqual(lines.map((_, index) => `p${index}`));
			const sent = replies.flatMap(reply => (reply.type === 'ok' && reply.command === 'group_msg' ? [reply.message.seq] : []));
			expect(sent).toEqual(Array.from({length: sent.length}, (_, index) => index + 1));
			expect(replies.filter(reply => reply.type === 'error')).toHaveLength(6);
			const received = [];
			for (let index = 0; index < sent.length; index++) {
				// eslint-disable-next-line no-await-in-loop
				received.push(await bob.waitForEvent(event => event.type === 'group_msg'));
			}

			expect(received.map(message => message.type === 'group_msg' && message.seq)).toEqual(sent);
			// Up to 64 commands of one session wait for a commit together: far fewer commits than messages.
			if (sqlite) {
				expect(sqlite.storeStats()!.commits - before).toBeLessThan(60);
			}
		});
	});
});
