import stringWidth from 'string-width';
import {describe, expect, test} from 'vitest';
import {ChatConnection} from '../../source/client/connection.js';
import {startServer, type NatterServer} from '../../server/index.js';
import {MemoryStore} from '../../server/store/memory-store.js';
import type {ServerEvent} from '../../source/protocol/index.js';
import App from '../../source/ui/app.js';
import type {NotifySettings} from '../../source/ui/notify.js';
import {ChatSession} from '../../source/ui/session.js';
import {nextEvent} from '../helpers/next-event.js';
import {cleanedUpAfterEach, keys, renderScreen, type Screen} from './helpers/ink.js';
import {startTestServer, usersFile} from './helpers/server.js';

const passwords: Record<string, string> = {alice: 'wonderland', bob: 'builder'};
const toClose = cleanedUpAfterEach();

async function server(): Promise<NatterServer> {
	const started = await startTestServer();
	toClose.push(started);
	return started;
}

async function client(target: NatterServer, user: string): Promise<ChatConnection> {
	const connection = await ChatConnection.open({...target.address, user, password: passwords[user]!});
	toClose.push(connection);
	return connection;
}

type Options = {readonly size?: {columns: number; rows: number}; readonly notify?: NotifySettings; readonly backoff?: {initialMs: number; maxMs: number}};

async function chatAs(target: NatterServer, user: string, options: Options = {}): Promise<{screen: Screen; signals: string[]}> {
	const session = await ChatSession.open({...target.address, user, password: passwords[user]!, pingIntervalMs: 60_000, ...(options.backoff ? {backoff: options.backoff} : {})});
	toClose.push({close: async () => session.close()});
	const signals: string[] = [];
	const signal = (sequence: string) => {
		signals.push(sequence);
	};

	const screen = renderScreen(
		<App host={target.address.host} port={target.address.port} session={session} signal={signal} {...(options.notify ? {notify: options.notify} : {})}/>,
		options.size,
	);
	await screen.waitFor(frame => frame.includes('● online'), 'the chat screen');
	return {screen, signals};
}

/** The row of the input box: `│ All › text │`. */
const inputRow = (frame: string) => frame.split('\n').find(row => row.includes(' › ')) ?? '';
/** The input line's text, trailing spaces (and the cursor cell at the end) dropped. */
const typedText = (frame: string) => /› (.*?)\s*│$/.exec(inputRow(frame))?.[1] ?? '';

async function type(screen: Screen, ...inputs: string[]): Promise<void> {
	for (const input of inputs) {
		// eslint-disable-next-line no-await-in-loop
		await screen.press(input);
	}
}

const ctrl = keys.ctrl;
const alt = (letter: string) => `\u001B${letter}`;
const special = {
	home: '\u001B[H',
	end: '\u001B[F',
	delete: '\u001B[3~',
	left: '\u001B[D',
	ctrlLeft: '\u001B[1;5D',
	ctrlRight: '\u001B[1;5C',
	altBackspace: '\u001B\u007F',
	shiftPageUp: '\u001B[5;2~',
	pasteStart: '\u001B[200~',
	pasteEnd: '\u001B[201~',
	focusIn: '\u001B[I',
	focusOut: '\u001B[O',
};

describe('the input line edits like readline', () => {
	test.each([
		['Ctrl+W deletes the word before the cursor', ['hello big world', ctrl('w')], 'hello big'],
		['Alt+Backspace deletes the word (letters) before the cursor', ['cd /usr/local', special.altBackspace], 'cd /usr/'],
		['Ctrl+A goes to the start, text is typed there', ['world', ctrl('a'), 'hello '], 'hello world'],
		['Home goes to the start of a line being typed, End to its end', ['bc', special.home, 'a', special.end, 'd'], 'abcd'],
		['Ctrl+E goes to the end', ['ac', ctrl('a'), ctrl('e'), 'd'], 'acd'],
		['Ctrl+U deletes to the start', ['one two', special.left, special.left, ctrl('u')], 'wo'],
		['Ctrl+K deletes to the end, Ctrl+Y puts it back', ['one two', ctrl('a'), ctrl('k'), 'X', ctrl('y')], 'Xone two'],
		['Delete deletes under the cursor, Backspace before it', ['abcd', special.left, special.left, special.delete, keys.backspace], 'ad'],
		['Ctrl+Left and Ctrl+Right move by word', ['one two three', special.ctrlLeft, special.ctrlLeft, '_', special.ctrlRight, '!'], 'one _two! three'],
		['Alt+B and Alt+F move by word; Alt+D deletes the next word', ['one two three', alt('b'), alt('b'), alt('d')], 'one  three'],
		['Ctrl+D deletes under the cursor on a line with text', ['abc', ctrl('a'), ctrl('d')], 'bc'],
		['a burst of keys in one read keeps its order', ['hello world' + ctrl('w') + ctrl('a') + '> '], '> hello'],
	] as const)('%s', async (_name, inputs, expected) => {
		const target = await server();
		const {screen} = await chatAs(target, 'alice');
		expect(typedText(screen.frame())).toBe('type a message or /help');
		await type(screen, ...inputs);
		expect(typedText(screen.frame())).toBe(expected);
	});

	test('Enter sends what was edited; the emoji under the cursor is one step', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');
		await type(screen, 'thumbs 👍🏽x', keys.backspace, special.left, keys.backspace, ' up');
		expect(typedText(screen.frame())).toBe('thumbs up👍');
		const received = nextEvent(bob, event => event.type === 'broadcast');
		await screen.press(keys.enter);
		expect(await received).toMatchObject({text: 'thumbs up👍🏽'});
		await screen.waitFor(frame => frame.includes('alice (you): thumbs up👍'), 'the sent line');
		expect(typedText(screen.frame())).toBe('type a message or /help');
	});
});

describe('scrollback keys', () => {
	test('PageUp stops with the oldest line at the top; Shift+PageUp and Home on an empty line go to the top, End back down', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice', {size: {columns: 80, rows: 16}});
		for (let index = 1; index <= 30; index++) {
			// eslint-disable-next-line no-await-in-loop
			await bob.request(`/broadcast line ${String(index).padStart(2, '0')}`);
		}

		await screen.waitFor(frame => frame.includes('bob: line 30'), 'the newest line');
		for (let press = 0; press < 6; press++) {
			// eslint-disable-next-line no-await-in-loop
			await screen.press(keys.pageUp);
		}

		const top = await screen.waitFor(frame => frame.includes('bob: line 01'), 'the oldest line');
		const rows = top.split('\n');
		const first = rows.findIndex(row => row.includes('bob: line 01'));
		// The oldest line is at the top of the panel (under the title and the beginning marker), with the page full below it.
		expect(rows.slice(first + 1).some(row => row.includes('line 05'))).toBe(true);
		await screen.press(special.end);
		await screen.waitFor(frame => frame.includes('bob: line 30') && !frame.includes('bob: line 01'), 'back at the newest');
		await screen.press(special.shiftPageUp);
		await screen.waitFor(frame => frame.includes('bob: line 01'), 'the top again, in one key');
		await screen.press(special.end);
		await screen.press(special.home);
		await screen.waitFor(frame => frame.includes('bob: line 01'), 'Home on an empty line goes to the top');
	});
});

describe('scrollback with long lines', () => {
	test('at the top the oldest line shows first even when the lines wrap', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice', {size: {columns: 70, rows: 16}});
		for (let index = 1; index <= 12; index++) {
			// eslint-disable-next-line no-await-in-loop
			await bob.request(`/broadcast number ${index} ${'and a long tail of words '.repeat(4)}end`);
		}

		await screen.waitFor(frame => frame.includes('number 12'), 'the newest line');
		await screen.press(special.shiftPageUp);
		const top = await screen.waitFor(frame => frame.includes('bob: number 1 '), 'the oldest line at the top');
		const rows = top.split('\n');
		expect(rows.findIndex(row => row.includes('bob: number 1 '))).toBeLessThan(rows.findIndex(row => row.includes('number 2 ')));
		// Paging down from there shows every message: a page keeps one line of the last in view.
		const seen = new Set<string>();
		for (let press = 0; press < 12; press++) {
			for (const match of screen.frame().matchAll(/bob: number (\d+) /g)) {
				seen.add(match[1]!);
			}

			// eslint-disable-next-line no-await-in-loop
			await screen.press(keys.pageDown);
		}

		expect(seen.size).toBe(12);
	});
});

describe('a paste of many lines', () => {
	test('becomes one draft; Enter sends every line to the peer, paced to the server\'s flood limit, none lost; Esc drops one', async () => {
		// A server with its default flood control: a burst of 30 lines, then 10 a second.
		const target = await startServer({host: '127.0.0.1', port: 0, usersFile, data: ':memory:', failureDelay: {baseMs: 1, capMs: 1}});
		toClose.push(target);
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');
		const lines = Array.from({length: 45}, (_, index) => `log line ${index + 1}`);
		await screen.press(`${special.pasteStart}${lines.join('\r')}${special.pasteEnd}`);
		const waiting = await screen.waitFor(frame => frame.includes('45 pasted lines'), 'the paste waiting');
		expect(waiting).toContain('Enter sends');
		const received: string[] = [];
		bob.on('event', (event: ServerEvent) => {
			if (event.type === 'broadcast') {
				received.push(event.text);
			}
		});
		await screen.press(keys.enter);
		await screen.waitFor(frame => frame.includes('alice (you): log line 45'), 'the last pasted line sent', 20_000);
		expect(screen.frame()).not.toContain('rate_limited');
		expect(screen.frame()).not.toMatch(/too many|flood/i);
		await expect.poll(() => received.length, {timeout: 5000}).toBe(45);
		expect(received).toEqual(lines);

		await screen.press(`${special.pasteStart}one\rtwo${special.pasteEnd}`);
		await screen.waitFor(frame => frame.includes('2 pasted lines'), 'a second paste');
		await screen.press('\u001B');
		await screen.waitFor(frame => typedText(frame) === 'type a message or /help', 'the paste dropped');

		// A one-line paste is typed into the line, not sent.
		await screen.press(`${special.pasteStart}just this${special.pasteEnd}`);
		expect(typedText(screen.frame())).toBe('just this');
	});
});

describe('a lost connection', () => {
	test('lines sent while it is down wait for the reconnect (the status line counts them), then go, in order', async () => {
		const first = await startTestServer();
		const {port} = first.address;
		toClose.push(first);
		const {screen} = await chatAs(first, 'alice', {backoff: {initialMs: 300, maxMs: 300}});
		await first.close();
		await screen.waitFor(frame => frame.includes('● reconnecting'), 'the reconnecting state');
		await screen.press(`${special.pasteStart}while down 1\rwhile down 2${special.pasteEnd}`);
		await screen.press(keys.enter);
		await screen.waitFor(frame => frame.split('\n')[0]!.includes('sending 2'), 'the lines waiting');
		const second = await startTestServer(port);
		toClose.push(second);
		await screen.waitFor(frame => frame.includes('alice (you): while down 2'), 'the lines sent after the reconnect');
		const bob = await client(second, 'bob');
		const history = await bob.request('/history *');
		expect(history.type === 'ok' && history.command === 'history' ? history.messages.map(message => message.text) : history).toEqual(['while down 1', 'while down 2']);
	});
});

describe('wide characters and narrow terminals', () => {
	test('emoji sequences never make the frame wider or taller than the terminal (80x24)', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice', {size: {columns: 80, rows: 24}});
		for (let index = 0; index < 12; index++) {
			// eslint-disable-next-line no-await-in-loop
			await bob.request(`/broadcast ${'👨‍👩‍👧 👍🏽 🇫🇷 ❤️ 中文 '.repeat(1 + (index % 5))}end-${index}`);
		}

		const frame = await screen.waitFor(text => text.includes('end-11'), 'the emoji messages');
		const rows = frame.split('\n');
		expect(rows).toHaveLength(23);
		expect(rows[0]).toContain('● online');
		for (const row of rows) {
			expect(stringWidth(row)).toBeLessThanOrEqual(80);
		}

		// Shown the way every terminal draws it: no ZWJ, no skin-tone modifier.
		expect(frame).toContain('👨👩👧 👍 FR ❤ 中文');
		expect(frame).not.toMatch(/[\u200D\u{1F3FB}-\u{1F3FF}\uFE0F]/u);
	});

	test('below 60 columns the list hides and the status line counts what is unread; it is shortened, never cut mid-state', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice', {size: {columns: 50, rows: 20}});
		expect(screen.frame()).not.toContain('Conversations');
		await bob.request('/msg alice hi alice');
		const frame = await screen.waitFor(text => text.split('\n')[0]!.includes('1 unread (1 @you)'), 'the unread count in the status line');
		expect(frame.split('\n')[0]).toContain('● online');
		expect(stringWidth(frame.split('\n')[0]!)).toBeLessThanOrEqual(50);
	});
});

describe('notifications', () => {
	test('a mention or a DM out of view rings the bell (and sends OSC 777 when asked); the title counts unread; --no-bell stays quiet', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		await bob.request('/join ops');
		const {screen, signals} = await chatAs(target, 'alice', {notify: {bell: true, desktop: 'osc777', title: true}});
		await type(screen, '/join ops', keys.enter);
		await screen.waitFor(frame => frame.includes('#ops ›'), 'the group open');
		await screen.press(ctrl('p'));
		await screen.waitFor(frame => frame.includes('All ›'), 'All open');
		await bob.request('/group_msg ops no mention here');
		await screen.waitFor(frame => /# ops +1/.test(frame), 'the unread count');
		expect(signals.join('')).not.toContain('\u0007\u001B]777');
		await bob.request('/group_msg ops alice: deploy?');
		await expect.poll(() => signals.join('')).toContain('\u0007\u001B]777;notify;natter: #ops;bob: alice: deploy?\u0007');
		expect(signals.some(sequence => sequence.startsWith('\u001B]2;natter (2) alice@'))).toBe(true);

		// The open conversation rings nothing.
		const before = signals.length;
		await bob.request('/broadcast alice, in view');
		await screen.waitFor(frame => frame.includes('bob: alice, in view'), 'the message in view');
		expect(signals.slice(before).join('')).not.toContain('\u0007\u001B]777');
	});

	test('with the terminal out of focus (its ESC[O report) a mention in the open conversation rings; back in focus (ESC[I) it does not; the reports never reach the input line', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen, signals} = await chatAs(target, 'alice', {notify: {bell: true, desktop: 'off', title: false}});
		await type(screen, 'draft');
		await bob.request('/broadcast alice: one');
		await screen.waitFor(frame => frame.includes('bob: alice: one'), 'the first mention');
		expect(signals).toEqual([]);

		await screen.press(special.focusOut);
		await bob.request('/broadcast alice: two');
		await screen.waitFor(frame => frame.includes('bob: alice: two'), 'the second mention');
		await expect.poll(() => signals).toEqual(['\u0007']);
		await bob.request('/msg alice a DM while away');
		await expect.poll(() => signals).toEqual(['\u0007', '\u0007']);

		await screen.press(special.focusIn);
		await bob.request('/broadcast alice: three');
		await screen.waitFor(frame => frame.includes('bob: alice: three'), 'the third mention');
		expect(signals).toEqual(['\u0007', '\u0007']);
		expect(typedText(screen.frame())).toBe('draft');
	});

	test('with the bell off a DM out of view rings nothing', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen, signals} = await chatAs(target, 'alice', {notify: {bell: false, desktop: 'off', title: false}});
		await bob.request('/msg alice quiet please');
		await screen.waitFor(frame => /@ bob +1/.test(frame), 'the DM');
		expect(signals).toEqual([]);
	});
});

describe('the member panel', () => {
	test('a group larger than one /members page lists its later pages too; past what the panel fetches it says "+N more" with the true count', async () => {
		const store = new MemoryStore();
		const fill = async (group: string, count: number) => {
			await store.createGroup(group, 'm0000');
			for (let index = 1; index < count; index++) {
				// eslint-disable-next-line no-await-in-loop
				await store.addMember(group, `m${String(index).padStart(4, '0')}`);
			}
		};

		await fill('mid', 450);
		await fill('big', 1200);
		const target = await startServer({host: '127.0.0.1', port: 0, usersFile, rate: 0, failureDelay: {baseMs: 1, capMs: 1}, data: ':memory:', store});
		toClose.push(target);
		const {screen} = await chatAs(target, 'alice');
		await type(screen, '/join_group mid', keys.enter);
		// 451 with alice: pages 2 and 3 were fetched (the first alone would make it 1/200).
		await screen.waitFor(frame => frame.includes('Members 1/451'), 'the whole member count');
		const mid = screen.frame();
		expect(mid).toContain('● alice');
		const midShown = (mid.match(/[●○] m\d{4}/g) ?? []).length + 1;
		expect(mid).toContain(`+${451 - midShown} more`);

		await type(screen, '/join_group big', keys.enter);
		const big = await screen.waitFor(frame => frame.includes('Members 1201'), 'the true count of a huge group');
		const bigShown = (big.match(/[●○] m\d{4}/g) ?? []).length + 1;
		expect(big).toContain(`+${1201 - bigShown} more`);
	});
});

describe('IRC habits', () => {
	test('/join creates and opens a group, /me is an action everywhere, the member panel marks who is online, /part leaves', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');
		await type(screen, '/join #Dev', keys.enter);
		await screen.waitFor(frame => frame.includes('#dev ›') && frame.includes('created #dev'), 'the new group open');
		await bob.request('/join dev');
		await screen.waitFor(frame => frame.includes('Members 2/2') && frame.includes('● bob'), 'bob in the member panel');
		const action = nextEvent(bob, event => event.type === 'group_msg');
		await type(screen, '/me waves', keys.enter);
		expect(await action).toMatchObject({from: 'alice', group: 'dev', text: 'waves', action: true});
		await screen.waitFor(frame => frame.includes('* alice waves'), 'the action shown');
		await bob.request('/me #dev waves back');
		await screen.waitFor(frame => frame.includes('* bob waves back'), 'bob\'s action');
		await bob.close();
		await screen.waitFor(frame => frame.includes('○ bob') && frame.includes('Members 1/2') && frame.includes('bob went offline'), 'bob offline, in the group');
		await type(screen, '/part', keys.enter);
		await screen.waitFor(frame => frame.includes('All ›') && frame.includes('left #dev') && !frame.includes('# dev'), 'the group left');
	});

	test('/query opens a DM, /close closes it, Alt+digit jumps, Alt+A goes to the next unread; /quit leaves', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');
		await type(screen, '/query @Bob', keys.enter);
		await screen.waitFor(frame => frame.includes('@bob (direct)') && frame.includes('@bob ›'), 'the DM open');
		await type(screen, '/close', keys.enter);
		await screen.waitFor(frame => frame.includes('All ›') && !frame.includes('@ bob'), 'the DM closed');
		// irssi's habit: /part in a query closes it too.
		await type(screen, '/query bob', keys.enter);
		await screen.waitFor(frame => frame.includes('@bob ›'), 'the DM open again');
		await type(screen, '/part', keys.enter);
		await screen.waitFor(frame => frame.includes('All ›') && !frame.includes('@ bob'), '/part closed the DM');
		await type(screen, '/close', keys.enter);
		await screen.waitFor(frame => frame.includes('All (the broadcasts) is always there'), 'All cannot be closed');
		await type(screen, '/join zeta', keys.enter, '/join alpha', keys.enter);
		await screen.waitFor(frame => frame.includes('#alpha ›'), 'alpha open');
		await screen.press(alt('1'));
		await screen.waitFor(frame => frame.includes('All ›'), 'Alt+1: All');
		await screen.press(alt('3'));
		await screen.waitFor(frame => frame.includes('#zeta ›'), 'Alt+3: the third in the list');
		await bob.request('/join alpha');
		await bob.request('/group_msg alpha news');
		await bob.request('/msg alice hey alice');
		await screen.waitFor(frame => /@ bob +@?1/.test(frame) && /# alpha +1/.test(frame), 'two unread conversations');
		await screen.press(alt('a'));
		await screen.waitFor(frame => frame.includes('@bob ›'), 'Alt+A: the mention first');
		await screen.press(alt('a'));
		await screen.waitFor(frame => frame.includes('#alpha ›'), 'Alt+A: then the unread group');
		await type(screen, '/query b!d', keys.enter);
		await screen.waitFor(frame => frame.includes('! user name'), 'a bad name refused');
		const gone = new Promise<void>(resolve => {
			const check = setInterval(() => {
				void bob.request('/users').then(reply => {
					if (reply.type === 'ok' && reply.command === 'users' && !reply.users.some(user => user.name === 'alice')) {
						clearInterval(check);
						resolve();
					}
				});
			}, 20);
		});
		await type(screen, '/quit', keys.enter);
		await gone;
	});

	test('Ctrl+D on an empty line leaves', async () => {
		const target = await server();
		const bob = await client(target, 'bob');
		const {screen} = await chatAs(target, 'alice');
		const left = nextEvent(bob, event => event.type === 'presence' && event.user === 'alice' && !event.online);
		await bob.request('/users');
		await screen.press(ctrl('d'));
		await left;
	});
});
