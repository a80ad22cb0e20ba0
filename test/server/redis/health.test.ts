import {describe, expect, it, vi} from 'vitest';
import {jsonCommand, loginJson} from '../../helpers/line-socket.js';
import {clusterFixture} from '../../helpers/redis-cluster.js';
import {runCli, type CliResult} from '../../helpers/run-cli.js';
import {redisServerAvailable, redisSkipReason} from '../../helpers/redis-server.js';
import {testUsers} from '../../helpers/test-server.js';

if (!redisServerAvailable) {
	console.warn(redisSkipReason);
}

/** `natter health --url …` as a user runs it. */
async function healthCli(url: string): Promise<CliResult> {
	return runCli(['health', '--url', url, '--timeout', '5']);
}

describe.skipIf(!redisServerAvailable)('a node\'s /health and metrics with --redis', () => {
	const cluster = clusterFixture();

	it('says 503 with the reason while Redis is down, natter_redis_up 0, and ok again once it is back', async () => {
		const [node] = await cluster.nodes(1, {metrics: {host: '127.0.0.1', port: 0}});
		const base = `http://127.0.0.1:${node!.server.metricsAddress!.port}`;
		const health = async () => {
			const response = await fetch(`${base}/health`);
			return {status: response.status, text: await response.text()};
		};

		const redisUp = async () => /^natter_redis_up (\d)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1];

		expect(await health()).toEqual({status: 200, text: 'ok\n'});
		expect(await redisUp()).toBe('1');
		const alice = cluster.keep(await loginJson(node!.port, 'alice', testUsers.alice));

		await cluster.redis().kill();
		try {
			await vi.waitFor(async () => {
				const down = await health();
				expect(down.status).toBe(503);
				expect(down.text).toMatch(/^unavailable: Redis unreachable for \d+\.\d s: .+\n$/);
			}, {timeout: 5000, interval: 50});
			expect(await redisUp()).toBe('0');
			const checked = await healthCli(`${base}/health`);
			expect(checked.code).toBe(1);
			expect(checked.stderr).toMatch(/answered HTTP 503: unavailable: Redis unreachable/);
			// Meanwhile the chat port says why a command cannot be carried out.
			expect(await jsonCommand(alice, '/msg bob are you there')).toMatchObject({type: 'error', code: 'unavailable', message: expect.stringMatching(/Redis/)});
		} catch (error) {
			await cluster.redis().restart();
			throw error;
		}

		await cluster.redis().restart();
		await vi.waitFor(async () => {
			expect(await health()).toEqual({status: 200, text: 'ok\n'});
		}, {timeout: 10_000, interval: 50});
		expect(await redisUp()).toBe('1');
		expect((await healthCli(`${base}/health`)).code).toBe(0);
		expect(await jsonCommand(alice, '/msg bob back again')).toMatchObject({type: 'ok'});
	});
});
