import {describe, expect, test} from 'vitest';
import {parseServeSettings} from '../../source/commands/serve.js';

describe('natter serve: the limit flags', () => {
	test('defaults: 16 connections and 32 new per 10 min per address, loopback exempt, 10 sessions, 64 queued logins, 10 000 groups, 100 per user', () => {
		expect(parseServeSettings({}).limits).toEqual({
			maxConnectionsPerAddress: 16,
			newConnectionsPerAddress: 32,
			exemptAddresses: ['127.0.0.0/8', '::1'],
			maxSessionsPerUser: 10,
			maxQueuedLogins: 64,
			maxGroups: 10_000,
			maxGroupsPerUser: 100,
		});
	});

	test('flags set them; 0 lifts a cap; --limit-exempt none exempts nobody', () => {
		expect(parseServeSettings({maxConnPerIp: '4', connRatePerIp: '0', limitExempt: 'none', maxSessions: '2', loginQueue: '0', maxGroups: '50', maxGroupsPerUser: '5'}).limits).toEqual({
			maxConnectionsPerAddress: 4,
			newConnectionsPerAddress: 0,
			exemptAddresses: [],
			maxSessionsPerUser: 2,
			maxQueuedLogins: 0,
			maxGroups: 50,
			maxGroupsPerUser: 5,
		});
		expect(parseServeSettings({limitExempt: '10.0.0.0/8, 192.0.2.7,fd00::/8'}).limits.exemptAddresses).toEqual(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
	});

	test('bad values are usage errors naming the flag', () => {
		expect(() => parseServeSettings({maxSessions: '-1'})).toThrow(/--max-sessions must be an integer at least 0/);
		expect(() => parseServeSettings({limitExempt: '10.0.0.0/40'})).toThrow(/--limit-exempt: "10.0.0.0\/40" has a bad prefix length/);
		expect(() => parseServeSettings({limitExempt: 'localhost'})).toThrow(/is not an IP address or CIDR range/);
	});
});
