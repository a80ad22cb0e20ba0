import {createClient} from 'redis';
import {describe, expect, it, vi} from 'vitest';
import {jsonCommand, loginJson, loginText} from '../../helpers/line-socket.js';
import {clusterFixture} from '../../helpers/redis-cluster.js';
import {redisServerAvailable, redisSkipReason} from '../../helpers/redis-server.js';
import {testUsers} from '../../helpers/test-server.js';

if (!redisServerAvailable) {
	console.warn(redisSkipReason);
}

/*
A redis-server in Cluster mode holding every slot refuses, with CROSSSLOT, any script whose
declared keys or any command whose keys hash to more than one slot, as a sharded Redis Cluster
does. (Keys a script reaches without declaring them are not checked by a node that holds every
slot: forgetting a user, which does that, is not covered here; docs/scale-out.md says so.)
*/
describe.skipIf(!redisServerAvailable)('two nodes on a Redis in Cluster mode', () => {
	const cluster = clusterFixture({redisCluster: true});

	it('every command of the chat works: the scripts and multi-key commands each touch one slot', async () => {
		const [first, second] = await cluster.nodes(2);
		const alice = cluster.keep(await loginText(first!.port, 'alice', testUsers.alice));
		const bob = cluster.keep(await loginJson(second!.port, 'bob', testUsers.bob));
		await vi.waitFor(async () => {
			expect(await jsonCommand(bob, '/users')).toMatchObject({users: [{name: 'alice'}, {name: 'bob'}]});
		});

		alice.send('/create_group dev');
		expect(await alice.waitFor(/^(ok|error):/)).toBe('ok: created #dev; you are its first member');
		expect(await jsonCommand(bob, '/join_group dev')).toMatchObject({type: 'ok', command: 'join_group'});
		expect(await jsonCommand(bob, '/join_group dev')).toMatchObject({type: 'error', code: 'already_member'});
		const sent = await jsonCommand(bob, '/group_msg dev hello cluster');
		expect(sent).toMatchObject({type: 'ok', message: {seq: 1}});
		expect(await alice.waitFor(/\[#dev\] bob:/)).toMatch(/bob: hello cluster$/);
		expect(await jsonCommand(bob, '/read #dev 1')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(bob, '/groups')).toMatchObject({groups: [{name: 'dev', members: 2, joined: true}]});
		expect(await jsonCommand(bob, '/history #dev')).toMatchObject({type: 'ok', messages: [{seq: 1, text: 'hello cluster'}]});
		expect(await jsonCommand(bob, '/sessions')).toMatchObject({type: 'ok', sessions: [{mode: 'json', current: true}]});

		// A DM to a user offline everywhere waits in the mailbox and is handed over at login.
		expect(await jsonCommand(bob, '/msg carol see you')).toMatchObject({type: 'ok', text: expect.stringContaining('stored')});
		const carol = cluster.keep(await loginJson(first!.port, 'carol', testUsers.carol));
		expect(await carol.waitForEvent(event => event.type === 'msg')).toMatchObject({from: 'bob', text: 'see you'});

		// Both leave: the group goes with its stream; made again, its numbering goes on.
		alice.send('/leave_group dev');
		expect(await alice.waitFor(/^(ok|error):/)).toBe('ok: left #dev');
		expect(await jsonCommand(bob, '/leave_group dev')).toMatchObject({type: 'ok', command: 'leave_group'});
		expect(await jsonCommand(bob, '/groups')).toMatchObject({groups: []});
		expect(await jsonCommand(bob, '/members dev')).toMatchObject({type: 'error', code: 'no_such_group'});
		expect(await jsonCommand(bob, '/create_group dev')).toMatchObject({type: 'ok'});
		expect(await jsonCommand(bob, '/group_msg dev numbering goes on')).toMatchObject({type: 'ok', message: {seq: 2}});

		// The heartbeat script ran (it alone sets a node's alive key) and a node's keys share its slot.
		const redis = createClient({url: cluster.redis().url});
		await redis.connect();
		try {
			const nodes = await redis.sMembers('natter:nodes');
			expect(nodes).toHaveLength(2);
			for (const node of nodes) {
				// eslint-disable-next-line no-await-in-loop
				expect(await redis.exists(`natter:node:{${node}}:alive`)).toBe(1);
			}
		} finally {
			await redis.close();
		}
	});
});
