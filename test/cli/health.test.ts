import {spawn, spawnSync} from 'node:child_process';
import net from 'node:net';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {serverFixture} from '../helpers/server-fixture.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const fixture = serverFixture();

async function health(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	// Asynchronously: the server under test runs in this process and must go on answering.
	const child = spawn(process.execPath, [cli, 'health', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const code = await new Promise<number | null>(resolve => {
		child.on('close', resolve);
	});
	return {code, stdout, stderr};
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
		expect(spawnSync(process.execPath, [cli, 'health', '--port', 'abc']).status).toBe(2);
		expect(spawnSync(process.execPath, [cli, 'health', 'extra']).status).toBe(2);
	});
});
