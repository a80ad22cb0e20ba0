import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {afterEach, expect, it} from 'vitest';
import {LineSocket} from '../helpers/line-socket.js';
import {startTestServer, type TestServer} from '../helpers/test-server.js';

let server: TestServer | undefined;

afterEach(async () => {
	await server?.close();
});

// The kernel reports a socket's keepalive timer; `ss` (iproute2) shows it.
it.skipIf(!existsSync('/usr/bin/ss') && !existsSync('/bin/ss'))('turns TCP keepalive on for every accepted connection', async () => {
	server = await startTestServer();
	const client = await LineSocket.connect(server.port);
	try {
		await client.waitFor('Username:');
		const sockets = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${server.port} )`], {encoding: 'utf8'});
		expect(sockets.trim().split('\n')).toHaveLength(1);
		expect(sockets).toContain('timer:(keepalive,');
	} finally {
		client.destroy();
	}
});
