import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ChatMessage, ServerEvent} from '../../source/protocol/index.js';
import {LineSocket, loginJson, loginText} from '../helpers/line-socket.js';
import {startTestServer, type TestServer} from '../helpers/test-server.js';

const clientCount = 50;
const users = Object.fromEntries(Array.from({length: clientCount}, (_, index) => [`user${index}`, `password${index}`]));

let server: TestServer;

beforeAll(async () => {
	server = await startTestServer({users, rate: 0, authWorkers: 2});
});

afterAll(async () => {
	await server.close();
});

/** Collects every chat message a client receives until it has `count` of them. */
async function collect(client: LineSocket, count: number, timeoutMs = 20_000): Promise<ChatMessage[]> {
	const messages: ChatMessage[] = [];
	while (messages.length < count) {
		messages.push(await client.waitForEvent<ChatMessage>((event: ServerEvent) => event.type === 'msg' || event.type === 'broadcast' || event.type === 'group_msg', timeoutMs));
	}

	return messages;
}

describe('50 concurrent clients', () => {
	it('deliver private, group and broadcast messages with nothing lost, duplicated or misrouted', async () => {
		const names = Object.keys(users);
		const clients = await Promise.all(names.map(async (name, index) => (index % 5 === 0 ? loginText : loginJson)(server.port, name, users[name]!)));
		const jsonClients = clients.map((client, index) => ({client, name: names[index]!, json: index % 5 !== 0}));
		try {
			// Everyone joins one group; the JSON clients drive the traffic.
			const first = jsonClients.find(entry => entry.json)!;
			first.client.sendJson({type: 'command', id: 'create', line: '/create_group all'});
			await first.client.waitForEvent(event => event.type === 'ok' && event.id === 'create');
			await Promise.all(jsonClients.filter(entry => entry !== first).map(async ({client, json}) => {
				if (json) {
					client.sendJson({type: 'command', id: 'join', line: '/join_group all'});
					await client.waitForEvent(event => event.type === 'ok' && event.id === 'join');
				} else {
					client.send('/join_group all');
					await client.waitFor('ok: joined #all');
				}
			}));

			const senders = jsonClients.filter(entry => entry.json);
			const perSender = 10;
			// Each JSON sender: 10 private messages to the next client (ring), 10 group messages.
			for (const [index, {client, name}] of senders.entries()) {
				const to = names[(names.indexOf(name) + 1) % names.length]!;
				for (let seq = 0; seq < perSender; seq++) {
					client.sendJson({type: 'command', id: `p${seq}`, line: `/msg ${to} p ${name} ${seq}`});
					client.sendJson({type: 'command', id: `g${seq}`, line: `/group_msg all g ${name} ${seq}`});
				}

				if (index === 0) {
					client.sendJson({type: 'command', id: 'b', line: '/broadcast b everyone'});
				}
			}

			const groupMessages = senders.length * perSender;
			await Promise.all(jsonClients.map(async ({client, name, json}) => {
				const previous = names[(names.indexOf(name) + names.length - 1) % names.length]!;
				const previousSends = senders.some(entry => entry.name === previous);
				const isSender = senders.some(entry => entry.name === name);
				// Group messages from everyone else, private ones from the previous client if it sends, one broadcast unless it is the broadcaster.
				const expected = groupMessages - (isSender ? perSender : 0) + (previousSends ? perSender : 0) + (name === senders[0]!.name ? 0 : 1);
				if (!json) {
					const lines: string[] = [];
					while (lines.length < expected) {
						lines.push(await client.waitFor(/^\[\d\d:\d\d:\d\d\] \[(private|broadcast|#all)\] /, 20_000));
					}

					expect(lines.filter(line => line.includes('[private]')).every(line => line.includes(`-> ${name}: p ${previous} `))).toBe(true);
					return;
				}

				const messages = await collect(client, expected);
				const privates = messages.filter(message => message.type === 'msg');
				expect(privates.every(message => message.type === 'msg' && message.to === name && message.from === previous)).toBe(true);
				expect(privates.map(message => message.text)).toEqual(previousSends ? Array.from({length: perSender}, (_, seq) => `p ${previous} ${seq}`) : []);
				const group = messages.filter(message => message.type === 'group_msg');
				expect(new Set(group.map(message => message.msgid)).size).toBe(group.length);
				expect(group.some(message => message.from === name)).toBe(false);
				// Per sender, group messages arrive in the order they were sent; ids only grow.
				for (const sender of senders) {
					const texts = group.filter(message => message.from === sender.name).map(message => message.text);
					if (sender.name !== name) {
						expect(texts).toEqual(Array.from({length: perSender}, (_, seq) => `g ${sender.name} ${seq}`));
					}
				}

				// One order per group: seqs only grow.
				const seqs = group.map(message => message.seq);
				expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
			}));

			// And nothing more arrives: a final round trip proves the queues are drained.
			for (const {client} of jsonClients.filter(entry => entry.json)) {
				client.sendJson({type: 'ping', id: 'end'});
				await client.waitForEvent(event => event.type === 'pong');
				expect(client.unread().filter(line => /"type":"(msg|broadcast|group_msg)"/.test(line))).toEqual([]);
			}
		} finally {
			for (const client of clients) {
				client.destroy();
			}
		}
	}, 60_000);

	it('gives every session of a user each of that user\'s messages', async () => {
		const sessions = await Promise.all([loginJson(server.port, 'user1', 'password1'), loginJson(server.port, 'user1', 'password1'), loginText(server.port, 'user1', 'password1')]);
		const sender = await loginJson(server.port, 'user2', 'password2');
		try {
			sender.sendJson({type: 'command', id: 1, line: '/msg user1 to all of you'});
			expect(await sender.waitForEvent(event => event.type === 'ok')).toMatchObject({recipients: 1});
			await sessions[0]!.waitForEvent(event => event.type === 'msg' && event.text === 'to all of you');
			await sessions[1]!.waitForEvent(event => event.type === 'msg' && event.text === 'to all of you');
			await sessions[2]!.waitFor(/\[private\] user2 -> user1: to all of you$/);
		} finally {
			for (const client of [...sessions, sender]) {
				client.destroy();
			}
		}
	});
});
