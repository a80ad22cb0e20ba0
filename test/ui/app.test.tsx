import net from 'node:net';
import {once} from 'node:events';
import {act} from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {ChatConnection} from '../../source/client/connection.js';
import App from '../../source/ui/app.js';
import {ChatSession, type SessionOptions} from '../../source/ui/session.js';
import type {NatterServer} from '../../server/index.js';
import {keys, renderScreen, type Screen} from './helpers/ink.js';
import {startTestServer} from './helpers/server.js';
import {nextEvent} from '../helpers/next-event.js';

const passwords: Record<string, string> = {alice: 'wonderland', bob: 'builder', carol: 'singer'};
const toClose: Array<{close(): Promise<void>}> = [];

afterEach(async () => {
	act(() => {
		cleanup();
	});
	for (const item of toClose.splice(0).reverse()) {
		await item.close().catch(() => undefined);
	}
});

async function server(port = 0): Promise<NatterServer> {
	const started = await startTestServer(port);
	toClose.push(started);
	return started;
}

async function client(target: NatterServer, user: string): Promise<ChatConnection> {
	const connection = await ChatConnection.open({...target.address, user, password: passwords[user]!});
	toClose.push(connection);
	return connection;
}

/** The chat screen already logged in (as natter demo does), with a quick ping and backoff. */
async function chatAs(target: NatterServer, user: string, options: Partial<SessionOptions> = {}): Promise<{screen: Screen; session: ChatSession}> {
	const sessionOptions: SessionOptions = {...target.address, user, password: passwords[user]!, pingIntervalMs: 60_000, ...options};
	const session = await ChatSession.open(sessionOptions);
	toClose.push({close: async () => session.close()});
	const screen = renderScreen(<App host={target.address.host} port={target.address.port} session={session}/>);
	await screen.waitFor(frame => frame.includes('● online'), 'the chat screen');
	return {screen, session};
}

const lines = (frame: string) => frame.split('\n');

describe('login screen', () => {
	test('a wrong password is reported inline and the user can retry without restarting', async () => {
		const target = await server();
		const screen = renderScreen(<App host={target.address.host} port={target.address.port}/>);
		await screen.waitFor(frame => frame.includes('Log in to 127.0.0.1:'), 'the login screen');
		await screen.submit('alice');
		await screen.submit('nope');
		const failed = await screen.waitFor(frame => frame.includes('invalid username or password'), 'the login error');
		expect(failed).toContain('Password:');
		expect(failed).not.toContain('nope');
		await screen.submit('wonderland');
		const chat = await screen.waitFor(frame => frame.includes('alice@127.0.0.1'), 'the chat screen');
		expect(chat).toContain('All (broadcasts)');
		expect(chat).not.toContain('wonderland');
	});

	test('the password is masked while typed, and --user skips to it', async () => {
		const target = await server();
		const screen = renderScreen(<App host={target.address.host} port={target.address.port} user="bob"/>);
		await screen.waitFor(frame => frame.includes('User:'), 'the login screen');
		await screen.press('secret');
		const frame = screen.frame();
		expect(frame).toContain('******');
		expect(frame).not.toContain('secret');
		expect(frame).toMatch(/User: +bob/);
	});
});

describe('chat screen against a real server', () => {
	test('groups, direct messages, unread counts, switching, history and completion', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');

		await screen.submit('/create_group dev');
		await screen.waitFor(frame => frame.includes('#dev') && frame.includes('# dev'), 'the new group to open');
		await bob.request('/join_group dev');
		await screen.waitFor(frame => frame.includes('bob joined #dev'), 'bob joining');
		await bob.request('/group_msg dev hi alice');
		await screen.waitFor(frame => frame.includes('bob: hi alice'), 'bob\'s group message');

		const groupMessage = nextEvent(bob, event => event.type === 'group_msg');
		await screen.submit('hello dev');
		expect(await groupMessage).toMatchObject({from: 'alice', group: 'dev', text: 'hello dev'});
		await screen.waitFor(frame => frame.includes('alice (you): hello dev'), 'my own message, marked');

		await bob.request('/msg alice psst');
		await screen.waitFor(frame => /@ bob +1/.test(frame), 'an unread count on the direct conversation');
		await screen.press(keys.ctrl('n'));
		const direct = await screen.waitFor(frame => frame.includes('@bob (direct)'), 'the direct conversation');
		expect(direct).toContain('bob: psst');
		expect(direct).not.toMatch(/@ bob +1/);
		expect(direct).not.toMatch(/@bob › n/);

		const reply = nextEvent(bob, event => event.type === 'msg');
		await screen.submit('reply to bob');
		expect(await reply).toMatchObject({from: 'alice', to: 'bob', text: 'reply to bob'});

		await screen.press(keys.up);
		await screen.waitFor(frame => frame.includes('@bob › reply to bob'), 'the last line recalled');
		await screen.press(keys.down);
		await screen.waitFor(frame => !frame.includes('@bob › reply to bob'), 'the draft back');

		await screen.press('/mem');
		await screen.press(keys.tab);
		await screen.waitFor(frame => frame.includes('› /members'), 'the command name completed');
		await screen.press('d');
		await screen.press(keys.tab);
		await screen.waitFor(frame => frame.includes('› /members dev'), 'the group name completed');
		await screen.press(keys.enter);
		await screen.waitFor(frame => /members.*bob/s.test(frame.split('@bob (direct)')[1] ?? ''), 'the /members reply in view');

		await screen.press(keys.ctrl('p'));
		await screen.waitFor(frame => frame.includes('#dev') && frame.includes('#dev ›'), 'back in #dev');
		await screen.submit('/msg zed hi');
		await screen.waitFor(frame => frame.includes('! ') && frame.includes('zed'), 'the server error where I am looking');
		await screen.submit('/msg');
		await screen.waitFor(frame => frame.includes('! usage: /msg <user> <text>'), 'the usage error');
	});

	test('scrollback with PageUp/PageDown shows a sign while not at the bottom; resize keeps everything inside the terminal', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');
		// Socket events re-render the screen: let them land inside act().
		await act(async () => {
			for (let index = 0; index < 60; index++) {
				await bob.request(`/broadcast message number ${index}`);
			}
		});

		await screen.waitFor(frame => frame.includes('message number 59'), 'the newest message');
		await screen.press(keys.pageUp);
		const back = await screen.waitFor(frame => frame.includes('newer'), 'the scroll sign');
		expect(back).not.toContain('message number 59');
		expect(back).toContain('Scrolled back');
		await act(async () => {
			await bob.request('/broadcast arriving while scrolled back');
		});
		await screen.waitFor(frame => /↓ \d+ newer/.test(frame), 'the sign to grow');
		expect(screen.frame()).not.toContain('arriving while scrolled back');
		await screen.press(keys.end);
		await screen.waitFor(frame => frame.includes('arriving while scrolled back') && !frame.includes('newer'), 'back at the bottom');

		for (const [columns, rows] of [[80, 24], [60, 15], [120, 40]] as const) {
			await screen.resize(columns, rows);
			const frame = await screen.waitFor(frame => lines(frame).length === rows - 1, `a ${columns}x${rows} layout`);
			expect(lines(frame).every(row => row.length <= columns)).toBe(true);
			expect(frame).toContain('arriving while scrolled back');
		}
	});

	test('after the server goes away the client reconnects, logs in again and keeps its history; /users is fetched again', async () => {
		const first = await server();
		const {port} = first.address;
		const {screen} = await chatAs(first, 'alice', {backoff: {initialMs: 1500, maxMs: 1500}});
		await screen.submit('/broadcast before the restart');
		await screen.waitFor(frame => frame.includes('alice (you): before the restart'), 'my message');
		await first.close();
		await screen.waitFor(frame => frame.includes('● reconnecting'), 'the reconnecting state');

		const second = await server(port);
		// Bob is online before alice comes back, so only the refreshed /users can tell her.
		await client(second, 'bob');
		const back = await screen.waitFor(frame => frame.includes('● online') && frame.includes('● bob'), 'the reconnect');
		expect(back).toContain('alice (you): before the restart');
		await screen.submit('/broadcast after the restart');
		await screen.waitFor(frame => frame.includes('alice (you): after the restart'), 'sending again');
	});

	test('after a server restart the client takes its groups back: rejoined, or created again when the server forgot them', async () => {
		const first = await server();
		const {port} = first.address;
		const {screen} = await chatAs(first, 'alice', {backoff: {initialMs: 300, maxMs: 300}});
		await screen.submit('/create_group dev');
		await screen.waitFor(frame => frame.includes('created #dev'), 'the group');
		await first.close();
		await screen.waitFor(frame => frame.includes('● reconnecting'), 'the reconnecting state');

		const second = await server(port);
		// The restore's own reply lands in #dev, the open conversation: a second "created #dev".
		await screen.waitFor(frame => frame.includes('● online') && frame.split('created #dev').length === 3, 'the group created again');
		const bob = await client(second, 'bob');
		expect(await bob.request('/join_group dev')).toMatchObject({type: 'ok'});
		expect(await bob.request('/group_msg dev welcome back')).toMatchObject({type: 'ok', recipients: 1});
		await screen.waitFor(frame => frame.includes('bob: welcome back'), 'the group message after the restart');
	});

	test('/exit leaves: the server sees the session go', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen, session} = await chatAs(target, 'alice');
		const gone = nextEvent(bob, event => event.type === 'presence' && event.user === 'alice' && !event.online);
		await screen.submit('/exit');
		await gone;
		if (session.state.state !== 'offline') {
			await once(session, 'state');
		}

		expect(session.state.state).toBe('offline');
	});
});

describe('a hostile server', () => {
	test('names, group names and texts with escape sequences and C1 controls reach the screen as plain text', async () => {
		const evil = net.createServer(socket => {
			let buffered = '';
			const send = (event: Record<string, unknown>) => socket.write(`${JSON.stringify(event)}\n`);
			socket.on('data', chunk => {
				buffered += String(chunk);
				let end;
				while ((end = buffered.indexOf('\n')) !== -1) {
					const request = JSON.parse(buffered.slice(0, end)) as {type: string; id?: string | number};
					buffered = buffered.slice(end + 1);
					if (request.type === 'hello') {
						send({type: 'welcome', protocol: 1, server: 'natter', version: 'evil'});
					} else if (request.type === 'login') {
						send({type: 'login_ok', id: request.id, user: 'alice', text: 'welcome'});
						const ts = new Date().toISOString();
						send({type: 'msg', id: 1, ts, from: 'eve\u001B[2J', to: 'alice', text: 'clear\u001B[2J\u001B[31mred\u009B31m'});
						send({type: 'group_msg', id: 2, ts, from: 'eve', group: 'g\u001B]0;title\u0007x', text: 'bell\u0007 and \u001B[1;1Hhome'});
						send({type: 'broadcast', id: 3, ts, from: 'eve', text: 'to all \u001B[5mblink'});
						send({type: 'presence', user: 'mal\u009Blory', online: true, ts});
					}
				}
			});
		});
		evil.listen(0, '127.0.0.1');
		await once(evil, 'listening');
		toClose.push({close: async () => new Promise<void>(resolve => evil.close(() => resolve()))});
		const {port} = evil.address() as net.AddressInfo;
		const options: SessionOptions = {host: '127.0.0.1', port, user: 'alice', password: 'x', pingIntervalMs: 60_000};
		const session = await ChatSession.open(options);
		toClose.push({close: async () => session.destroy()});
		const screen = renderScreen(<App host="127.0.0.1" port={port} session={session}/>);
		const all = await screen.waitFor(frame => frame.includes('to all [5mblink') && frame.includes('● mallory'), 'the hostile events');
		await screen.press(keys.ctrl('n'));
		const group = await screen.waitFor(frame => frame.includes('bell and [1;1Hhome'), 'the hostile group');
		await screen.press(keys.ctrl('n'));
		const direct = await screen.waitFor(frame => frame.includes('clear[2J[31mred31m'), 'the hostile direct message');
		for (const frame of [all, group, direct]) {
			expect(frame).not.toContain('\u001B');
			expect(frame).not.toContain('\u009B');
			expect(frame).not.toContain('\u0007');
		}

		expect(group).toContain('#g]0;titlex');
		expect(direct).toContain('eve[2J');
	});
});
