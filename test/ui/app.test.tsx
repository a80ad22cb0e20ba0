import net from 'node:net';
import {once} from 'node:events';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {act} from 'react';
import {describe, expect, test} from 'vitest';
import {ChatConnection} from '../../source/client/connection.js';
import App from '../../source/ui/app.js';
import {ChatSession, type SessionOptions} from '../../source/ui/session.js';
import type {NatterServer} from '../../server/index.js';
import type {ChatMessage} from '../../source/protocol/index.js';
import {cleanedUpAfterEach, keys, renderScreen, type Screen} from './helpers/ink.js';
import {startTestServer} from './helpers/server.js';
import {nextEvent} from '../helpers/next-event.js';

const passwords: Record<string, string> = {alice: 'wonderland', bob: 'builder', carol: 'singer'};
const toClose = cleanedUpAfterEach();

async function server(port = 0, data?: string): Promise<NatterServer> {
	const started = await startTestServer(port, data);
	toClose.push(started);
	return started;
}

/** A data file in a temp directory removed after the test, for servers restarted on the same data. */
async function dataFile(): Promise<string> {
	const directory = await mkdtemp(path.join(tmpdir(), 'natter-tui-'));
	toClose.unshift({close: async () => rm(directory, {recursive: true, force: true})});
	return path.join(directory, 'chat.db');
}

async function sent(connection: ChatConnection, line: string): Promise<ChatMessage> {
	const reply = await connection.request(line);
	if (reply.type !== 'ok' || !('message' in reply)) {
		throw new Error(`${line}: ${JSON.stringify(reply)}`);
	}

	return reply.message;
}

const count = (frame: string, text: string) => frame.split(text).length - 1;

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
		// Each try is a new connection: the server's per-connection count would not be true here.
		expect(failed).not.toContain('attempts left');
		await screen.submit('wonderland');
		const chat = await screen.waitFor(frame => frame.includes('alice@127.0.0.1'), 'the chat screen');
		expect(chat).toContain('All (broadcasts)');
		expect(chat).not.toContain('wonderland');
	});

	test('a paste of several lines into a login field keeps only its first line and does not log in until Enter', async () => {
		const target = await server();
		const screen = renderScreen(<App host={target.address.host} port={target.address.port}/>);
		await screen.waitFor(frame => frame.includes('User:'), 'the login screen');
		await screen.press('\u001B[200~alice\nbob\n\u001B[201~');
		await screen.waitFor(frame => frame.includes('Only the first line of the paste was kept'), 'the paste notice');
		expect(screen.frame()).toMatch(/User: +alice *\n/);
		expect(screen.frame()).not.toContain('bob');
		await screen.press(keys.enter);
		await screen.press('\u001B[200~wonderland\r\njunk from the clipboard\r\n\u001B[201~');
		const pasted = await screen.waitFor(frame => frame.includes('**********') && frame.includes('Only the first line'), 'the masked password');
		expect(pasted).not.toContain('Logging in');
		expect(pasted).not.toContain('***********');
		await screen.press(keys.enter);
		await screen.waitFor(frame => frame.includes('alice@127.0.0.1'), 'the chat screen');
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

describe('history, read markers and resume against a real server', () => {
	test('at login the conversations come back with unread counts from the read marker; opening one shows its history under a "new messages" line, and reading it moves the marker for the other sessions', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const earlier = await client(target, 'alice');
		await bob.request('/create_group dev');
		await earlier.request('/join_group dev');
		const read = await sent(bob, '/group_msg dev already read');
		expect(await earlier.markRead('#dev', read.seq)).toMatchObject({type: 'ok', seq: read.seq});
		await earlier.close();
		await sent(bob, '/group_msg dev first unread');
		const last = await sent(bob, '/group_msg dev second unread');

		const other = await client(target, 'alice');
		const {screen} = await chatAs(target, 'alice');
		await screen.waitFor(frame => /# dev +2/.test(frame), 'the unread count from the read marker');
		const markerMoved = nextEvent(other, event => event.type === 'read' && event.conversation === '#dev' && event.seq === last.seq);
		await screen.press(keys.ctrl('n'));
		const opened = await screen.waitFor(frame => frame.includes('bob: second unread') && frame.includes('new messages'), 'the history of #dev');
		const at = (text: string) => opened.indexOf(text);
		expect(at('bob: already read')).toBeGreaterThan(-1);
		expect(at('bob: already read')).toBeLessThan(at('── new messages ──'));
		expect(at('── new messages ──')).toBeLessThan(at('bob: first unread'));
		expect(at('bob: first unread')).toBeLessThan(at('bob: second unread'));
		// Shown, so read: the other session of alice is told, and the count here is gone.
		await markerMoved;
		await screen.waitFor(frame => /# dev\s*│/.test(frame), 'no unread count on #dev');
	});

	test('a second TUI of the same user reading a conversation makes the first one\'s unread count drop', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		await bob.request('/create_group ops');
		const first = await chatAs(target, 'alice');
		await first.screen.submit('/join_group ops');
		await first.screen.waitFor(frame => frame.includes('#ops ›'), 'the group open');
		await first.screen.press(keys.ctrl('p'));
		await first.screen.waitFor(frame => frame.includes('All ›'), 'back in All');
		await bob.request('/group_msg ops one');
		await bob.request('/group_msg ops two');
		await first.screen.waitFor(frame => /# ops +2/.test(frame), 'two unread in the first TUI');

		const second = await chatAs(target, 'alice');
		await second.screen.waitFor(frame => /# ops +2/.test(frame), 'the same count in the second TUI');
		await second.screen.press(keys.ctrl('n'));
		await second.screen.waitFor(frame => frame.includes('bob: two'), 'the second TUI reading #ops');
		await first.screen.waitFor(frame => !/# ops +2/.test(frame) && /# ops\s*│/.test(frame), 'the first TUI\'s count to drop');
	});

	test('PageUp past the top fetches the older page, until the beginning of the conversation', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		await bob.request('/create_group big');
		const joining = await client(target, 'alice');
		await joining.request('/join_group big');
		await joining.close();
		for (let index = 0; index < 230; index++) {
			await bob.request(`/group_msg big line ${String(index).padStart(3, '0')}`);
		}

		const {screen} = await chatAs(target, 'alice');
		await screen.waitFor(frame => /# big +230/.test(frame), 'the unread count');
		await screen.press(keys.ctrl('n'));
		await screen.waitFor(frame => frame.includes('bob: line 229'), 'the newest page');
		let frame = screen.frame();
		for (let press = 0; press < 60 && !frame.includes('bob: line 000'); press++) {
			await screen.press(keys.pageUp);
			frame = await screen.waitFor(current => !current.includes('loading'), 'the page to arrive');
		}

		expect(frame).toContain('bob: line 000');
		expect(frame).not.toContain('earlier messages');
		// The whole conversation, once each, in order: walk back down and collect what shows.
		const seen = new Set<string>();
		for (let press = 0; press < 60; press++) {
			for (const match of screen.frame().matchAll(/bob: line (\d{3})/g)) {
				seen.add(match[1]!);
			}

			await screen.press(keys.pageDown);
		}

		expect(seen.size).toBe(230);
	});

	test('a reconnect to a server restarted on the same data resumes: what was missed shows once, in order, nothing twice', async () => {
		const data = await dataFile();
		const first = await server(0, data);
		const {port} = first.address;
		const bob = await client(first, 'bob');
		await bob.request('/create_group dev');
		const {screen} = await chatAs(first, 'alice', {backoff: {initialMs: 100, maxMs: 200}});
		await screen.submit('/join_group dev');
		await screen.waitFor(frame => frame.includes('#dev ›'), 'the group open');
		await bob.request('/group_msg dev before the restart');
		await screen.waitFor(frame => frame.includes('bob: before the restart'), 'the message before the restart');
		await first.close();
		await screen.waitFor(frame => frame.includes('● reconnecting'), 'the reconnecting state');

		// While alice is away, bob talks on the same data through another port.
		const meanwhile = await server(0, data);
		const bobAgain = await client(meanwhile, 'bob');
		await bobAgain.request('/group_msg dev missed one');
		await bobAgain.request('/group_msg dev missed two');
		await bobAgain.close();
		await meanwhile.close();

		const back = await server(port, data);
		const frame = await screen.waitFor(current => current.includes('● online') && current.includes('bob: missed two'), 'the resumed messages');
		for (const text of ['bob: before the restart', 'bob: missed one', 'bob: missed two']) {
			expect(count(frame, text)).toBe(1);
		}

		expect(frame.indexOf('bob: before the restart')).toBeLessThan(frame.indexOf('bob: missed one'));
		expect(frame.indexOf('bob: missed one')).toBeLessThan(frame.indexOf('bob: missed two'));
		expect(frame).not.toContain('no longer has');
		const live = await client(back, 'bob');
		await live.request('/group_msg dev live again');
		const after = await screen.waitFor(current => current.includes('bob: live again'), 'live messages after the resume');
		expect(count(after, 'bob: missed two')).toBe(1);
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
						send({type: 'welcome', protocol: 2, server: 'natter', version: 'evil'});
					} else if (request.type === 'login') {
						send({type: 'login_ok', id: request.id, user: 'alice', text: 'welcome', conversations: [{conversation: '#x\u001B[2J', last_seq: 1, read_seq: 0, unread: 1}]});
						const ts = new Date().toISOString();
						send({type: 'msg', msgid: 'a', seq: 1, ts, from: 'eve\u001B[2J', to: 'alice', text: 'clear\u001B[2J\u001B[31mred\u009B31m'});
						send({type: 'group_msg', msgid: 'b', seq: 1, ts, from: 'eve', group: 'g\u001B]0;title\u0007x', text: 'bell\u0007 and \u001B[1;1Hhome'});
						send({type: 'broadcast', msgid: 'c', seq: 1, ts, from: 'eve', text: 'to all \u001B[5mblink'});
						send({type: 'presence', user: 'mal\u009Blory', online: true, ts});
						send({type: 'gap', conversation: '*', after: 1, before: 5, skipped: 3});
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
