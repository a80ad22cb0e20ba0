import {afterEach} from 'vitest';
import type {LineSocket} from './line-socket.js';
import {clusterFixture} from './redis-cluster.js';
import {redisServerAvailable, redisSkipReason} from './redis-server.js';
import {serverFixture} from './server-fixture.js';
import {startTcpBalancer, type TcpBalancer} from './tcp-balancer.js';
import type {startTestServer, TestServer} from './test-server.js';

/** How the chat a suite talks to is deployed: one node, or `nodes` nodes on one Redis behind a balancer. */
export type Topology = {
	readonly name: string;
	readonly nodes: number;
};

export const oneNode: Topology = {name: 'one node on SQLite', nodes: 1};
export const twoNodes: Topology = {name: '2 nodes on Redis behind a TCP balancer', nodes: 2};
export const threeNodes: Topology = {name: '3 nodes on Redis behind a TCP balancer', nodes: 3};

/**
The topologies to run a suite on, for `describe.each`: the clusters only when `redis-server` is on
PATH (otherwise they are left out, saying so once).
*/
export function topologies(...wanted: Topology[]): Topology[] {
	const runnable = wanted.filter(topology => topology.nodes === 1 || redisServerAvailable);
	if (runnable.length < wanted.length) {
		console.warn(redisSkipReason);
	}

	return runnable;
}

/**
For `it.skipIf`: a test with a single client sees one node whatever the topology, so a third node
adds nothing to what the 2-node run shows; it runs on one and two nodes only (keeps the suite lean).
*/
export function oneClientOn3Nodes(topology: Topology): boolean {
	return topology.nodes > 2;
}

/** Where a suite's clients connect: one node's port, or the balancer's in front of several. */
export type ChatEndpoint = {
	readonly host: string;
	readonly port: number;
	/** The node(s) behind the port, in the balancer's round-robin order. */
	readonly servers: readonly TestServer[];
};

export type TopologyFixture = {
	/** The chat on this topology, closed after the test. Every node gets `options`. */
	start(options?: Parameters<typeof startTestServer>[0]): Promise<ChatEndpoint>;
	/** Destroy these sockets after the test; returns the first. */
	keep<T extends LineSocket>(client: T, ...more: LineSocket[]): T;
};

/**
Like serverFixture, for a topology: one node is a test server as today (a SQLite file); several
are real nodes in this process on one private redis-server, behind a round-robin TCP balancer, so
a suite's consecutive connections land on different nodes. Call once per `describe.each` block.
*/
export function topologyFixture(topology: Topology): TopologyFixture {
	if (topology.nodes === 1) {
		const single = serverFixture();
		return {
			async start(options) {
				const server = await single.start(options);
				return {host: server.host, port: server.port, servers: [server]};
			},
			keep: single.keep,
		};
	}

	const cluster = clusterFixture();
	const balancers: TcpBalancer[] = [];
	// Registered after clusterFixture's, so it runs first: the balancer goes before the nodes close.
	afterEach(async () => {
		await Promise.all(balancers.splice(0).map(async balancer => balancer.close()));
	});
	return {
		async start(options) {
			const servers = await cluster.nodes(topology.nodes, options);
			const balancer = await startTcpBalancer(servers);
			balancers.push(balancer);
			return {host: balancer.host, port: balancer.port, servers};
		},
		keep: cluster.keep,
	};
}
