import {spawnSync} from 'node:child_process';
import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {cliPath, runCli, type CliResult} from '../helpers/run-cli.js';
import {serverFixture} from '../helpers/server-fixture.js';

const fixture = serverFixture();

async function health(args: string[]): Promise<CliResult> {
	return runCli(['health', ...args]);
}

/** A port nothing listens on: bound and closed again. */
async function deadPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as net.AddressInfo;
	await new Promise<void>(resolve => {
		server.close(() => {
			resolve();
		});
	});
	return port;
}

describe('natter health', () => {
	it('exits 0 with the greeting when the server answers, 1 when nothing listens', async () => {
		const server = await fixture.start({metrics: {host: '127.0.0.1', port: 0}});
		const up = await health(['--port', String(server.port)]);
		expect(up).toMatchObject({code: 0, stdout: expect.stringMatching(/^ok: natter \d+\.\d+\.\d+, protocol 2\./)});
		const viaMetrics = await health(['--url', `http://127.0.0.1:${server.server.metricsAddress!.port}/health`]);
		expect(viaMetrics).toMatchObject({code: 0});
		const down = await health(['--port', String(await deadPort()), '--timeout', '2']);
		expect(down.code).toBe(1);
		expect(down.stderr).toContain('ECONNREFUSED');
	});

	it('exits 2 on usage errors', () => {
		expect(spawnSync(process.execPath, [cliPath, 'health', '--port', 'abc']).status).toBe(2);
		expect(spawnSync(process.execPath, [cliPath, 'health', 'extra']).status).toBe(2);
	});
});
