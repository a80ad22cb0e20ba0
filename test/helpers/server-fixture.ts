import {afterEach} from 'vitest';
import type {LineSocket} from './line-socket.js';
import {startTestServer, type TestServer} from './test-server.js';

export type ServerFixture = {
	/** A real test server, closed after the test. */
	start(options?: Parameters<typeof startTestServer>[0]): Promise<TestServer>;
	/** Destroy these sockets after the test; returns the first. */
	keep<T extends LineSocket>(client: T, ...more: LineSocket[]): T;
};

/** Test servers and client sockets cleaned up after each test. Call once at the top of a test file. */
export function serverFixture(): ServerFixture {
	const servers: TestServer[] = [];
	const clients: LineSocket[] = [];
	afterEach(async () => {
		for (const client of clients.splice(0)) {
			client.destroy();
		}

		await Promise.all(servers.splice(0).map(async server => server.close()));
	});
	return {
		async start(options) {
			const server = await startTestServer(options);
			servers.push(server);
			return server;
		},
		keep(client, ...more) {
			clients.push(client, ...more);
			return client;
		},
	};
}
