import {describe, expect, it} from 'vitest';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {testUsers} from '../helpers/test-server.js';

const fixture = serverFixture();

/** One sample's value from Prometheus text, e.g. `natter_logins_total{result="ok"}`. */
function sample(text: string, name: string): number | undefined {
	for (const line of text.split('\n')) {
		if (line.startsWith(`${name} `)) {
			return Number(line.slice(name.length + 1));
		}
	}

	return undefined;
}

describe('the metrics endpoint', () => {
	it('serves Prometheus text whose counters move while two users chat, and /health', async () => {
		const server = await fixture.start({metrics: {host: '127.0.0.1', port: 0}});
		const metricsAddress = server.server.metricsAddress!;
		const url = `http://127.0.0.1:${metricsAddress.port}`;
		const scrape = async () => {
			const response = await fetch(`${url}/metrics`);
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toContain('text/plain');
			return response.text();
		};

		const before = await scrape();
		expect(sample(before, 'natter_deliveries_total')).toBe(0);
		expect(sample(before, 'natter_logins_total{result="ok"}')).toBe(0);
		expect(before).toContain('natter_nodejs_eventloop_lag_seconds');
		expect(before).toContain('natter_bcrypt_queue 0');
		// Only a node with --redis has natter_redis_up (test/server/redis/health.test.ts).
		expect(before).not.toContain('natter_redis_up');

		const alice = fixture.keep(await loginJson(server.port, 'alice', testUsers.alice));
		const bob = fixture.keep(await loginText(server.port, 'bob', testUsers.bob));
		const guesser = fixture.keep(await LineSocket.connect(server.port));
		guesser.sendJson({type: 'login', id: 'guess', user: 'carol', password: 'not her password'});
		await guesser.waitForEvent(event => event.type === 'error' && event.id === 'guess');
		alice.sendJson({type: 'command', id: 1, line: '/msg bob hi bob'});
		await bob.waitFor(line => line.includes('[private] alice -> bob: hi bob'));
		bob.send('/broadcast hello');
		await alice.waitForEvent(event => event.type === 'broadcast');

		const after = await scrape();
		expect(sample(after, 'natter_logins_total{result="ok"}')).toBe(2);
		expect(sample(after, 'natter_logins_total{result="failed"}')).toBe(1);
		expect(sample(after, 'natter_commands_total{command="msg"}')).toBe(1);
		expect(sample(after, 'natter_commands_total{command="broadcast"}')).toBe(1);
		expect(sample(after, 'natter_deliveries_total')).toBeGreaterThanOrEqual(2);
		expect(sample(after, 'natter_bytes_out_total')).toBeGreaterThan(200);
		expect(sample(after, 'natter_connections{mode="json"}')).toBe(1);
		expect(sample(after, 'natter_connections{mode="text"}')).toBe(1);
		expect(sample(after, 'natter_connections{mode="login"}')).toBe(1);
		expect(sample(after, 'natter_users_online')).toBe(2);
		expect(sample(after, 'natter_store_commits_total')).toBeGreaterThanOrEqual(2);
		expect(sample(after, 'natter_login_check_seconds_count')).toBeGreaterThanOrEqual(2);

		expect(await (await fetch(`${url}/health`)).text()).toBe('ok\n');
		expect((await fetch(`${url}/nope`)).status).toBe(404);
		expect((await fetch(`${url}/metrics`, {method: 'POST'})).status).toBe(405);
	});

	it('is off unless asked for', async () => {
		const server = await fixture.start();
		expect(server.server.metricsAddress).toBeUndefined();
	});
});
