import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {ServerEvent} from '../../source/protocol/index.js';
import {SqliteStore} from '../../server/store/index.js';
import {loginJson, loginText} from '../helpers/line-socket.js';
import {serverFixture} from '../helpers/server-fixture.js';
import {testUsers} from '../helpers/test-server.js';

const fixture = serverFixture();

describe('a store that cannot commit', () => {
	it('answers unavailable, loses nothing that got ok, and keeps serving', async () => {
		const file = path.join(await mkdtemp(path.join(tmpdir(), 'natter-full-')), 'natter.db');
		// A database that may not grow past 60 pages: a full disk.
		const store = await SqliteStore.open({file, pragmas: ['max_page_count = 60']});
		const server = await fixture.start({rate: 0, store});
		const alice = fixture.keep(await loginJson(server.port, 'alice', testUsers.alice));
		const bob = fixture.keep(await loginText(server.port, 'bob', testUsers.bob));
		const big = 'z'.repeat(3900);
		const replies: ServerEvent[] = [];
		for (let index = 0; index < 200; index++) {
			alice.sendJson({type: 'command', id: index, line: `/broadcast ${index} ${big}`});
			// eslint-disable-next-line no-await-in-loop
			const reply = await alice.waitForEvent(event => (event.type === 'ok' || event.type === 'error') && event.id === index);
			replies.push(reply);
			if (reply.type === 'error') {
				break;
			}
		}

		const failed = replies.at(-1)!;
		expect(failed).toMatchObject({type: 'error', code: 'unavailable', command: 'broadcast', message: expect.stringContaining('nothing was changed')});
		const accepted = replies.filter(reply => reply.type === 'ok');
		expect(accepted.length).toBeGreaterThan(2);
		// bob saw every accepted broadcast and nothing else.
		for (let index = 0; index < accepted.length; index++) {
			// eslint-disable-next-line no-await-in-loop
			expect(await bob.waitFor(line => line.includes('[broadcast]'))).toContain(`alice: ${index} `);
		}

		// The server still answers, and what got ok is all in the history.
		alice.sendJson({type: 'command', id: 'who', line: '/users'});
		expect(await alice.waitForEvent(event => event.type === 'ok' && event.id === 'who')).toMatchObject({users: [{name: 'alice'}, {name: 'bob'}]});
		alice.sendJson({type: 'command', id: 'h', line: '/history * 1000'});
		const page = await alice.waitForEvent(event => event.type === 'ok' && event.id === 'h');
		expect(page).toMatchObject({messages: accepted.map((_, index) => expect.objectContaining({seq: index + 1}))});
		bob.send('/users');
		expect(await bob.waitFor(line => line.startsWith('ok:') || line.startsWith('error:'))).toBe('ok: 2 users online: alice, bob');
	});
});
