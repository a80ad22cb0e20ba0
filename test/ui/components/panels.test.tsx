import {act} from 'react';
import stringWidth from 'string-width';
import chalk, {type ChalkInstance} from 'chalk';
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {ConversationPanel} from '../../../source/ui/components/ConversationPanel.js';
import {InputPanel} from '../../../source/ui/components/InputPanel.js';
import {StatusBar} from '../../../source/ui/components/StatusBar.js';
import {makeTheme, ThemeContext} from '../../../source/ui/theme.js';
import {conversationTitle, MessagePanel, topHint, visibleLines} from '../../../source/ui/components/MessagePanel.js';
import {emptyConversation} from '../../../source/ui/state/conversations.js';
import type {Conversation, Line, MessageLine} from '../../../source/ui/state/types.js';
import {renderScreen} from '../helpers/ink.js';

afterEach(() => {
	act(() => {
		cleanup();
	});
});

// Noon today, local time: shown as 12:00 (a message from another day shows its date too).
const ts = new Date(new Date().setHours(12, 0, 0, 0)).toISOString();
let key = 1;
const message = (from: string, text: string, extra: Partial<MessageLine> = {}): Line => ({kind: 'message', key: key++, msgid: `m${key}`, seq: key, epoch: 0, ts, from, text, mine: false, mention: false, action: false, ...extra});
function Panel({conversation, width, height}: {readonly conversation: Conversation; readonly width: number; readonly height: number}) {
	return <MessagePanel title={conversationTitle(conversation)} lines={visibleLines(conversation, height)} scroll={conversation.scroll} width={width} height={height}/>;
}

const withLines = (conversation: Conversation, lines: Line[], scroll = 0): Conversation => ({...conversation, lines, scroll});

describe('MessagePanel', () => {
	test('text from other users cannot carry escape sequences or C1 controls onto the screen', () => {
		const hostile = withLines(emptyConversation('#x', 'group', 'ev\u001B[31mil'), [
			message('mal\u001B]0;owned\u0007lory', 'clear \u001B[2J\u001B[31mred \u009B2Jc1 \u001B[1;1Hhome'),
		]);
		const screen = renderScreen(<Panel conversation={hostile} width={80} height={10}/>);
		const frame = screen.frame();
		expect(frame).toContain('clear [2J[31mred 2Jc1 [1;1Hhome');
		expect(frame).toContain('mal]0;ownedlory');
		expect(frame).toContain('#ev[31mil');
		expect(frame).not.toContain('\u001B');
		expect(frame).not.toContain('\u009B');
		expect(frame).not.toContain('\u0007');
	});

	test('long messages wrap inside the panel; own messages and mentions are marked', () => {
		const long = 'word '.repeat(40).trim();
		const conversation = withLines(emptyConversation('all', 'all', 'All'), [
			message('bob', long),
			message('alice', 'my own', {mine: true}),
		]);
		const frame = renderScreen(<Panel conversation={conversation} width={40} height={12}/>).frame();
		const rows = frame.split('\n');
		expect(rows.every(row => row.length <= 40)).toBe(true);
		expect(rows.filter(row => row.includes('word')).length).toBeGreaterThan(3);
		expect(frame).toContain('alice (you): my own');
	});

	test('only the newest lines that fit are drawn, and scrolling back shows older ones with a sign', () => {
		const lines = Array.from({length: 10_000}, (_, index) => message('bob', `line ${index}`));
		const conversation = withLines(emptyConversation('all', 'all', 'All'), lines);
		const bottom = renderScreen(<Panel conversation={conversation} width={60} height={10}/>).frame();
		expect(bottom).toContain('line 9999');
		expect(bottom).toContain('line 9993');
		expect(bottom).not.toContain('line 9992');
		expect(bottom).not.toContain('newer');
		const back = renderScreen(<Panel conversation={withLines(conversation, lines, 100)} width={60} height={10}/>).frame();
		expect(back).toContain('line 9899');
		expect(back).not.toContain('line 9900');
		expect(back).toContain('↓ 100 newer');
	});
});

describe('MessagePanel: history', () => {
	test('a gap says how many messages are missing and that PgUp loads them; the "new messages" line sits above the first unread', () => {
		const first = message('bob', 'before the gap');
		const gap: Line = {kind: 'gap', key: key++, epoch: 0, after: 41, before: 305, loading: false};
		const unread = message('bob', 'first unread');
		const conversation = withLines(emptyConversation('#dev', 'group', 'dev'), [first, gap, message('bob', 'after the gap'), unread, message('bob', 'second unread')]);
		const frame = renderScreen(<MessagePanel title="#dev" lines={visibleLines(conversation, 12)} scroll={0} width={60} height={12} newLineKey={unread.key}/>).frame();
		const rows = frame.split('\n').map(row => row.replaceAll('│', '').trim());
		expect(rows).toContain('… 263 earlier messages not loaded (PgUp)');
		const divider = rows.indexOf('── new messages ──');
		expect(divider).toBeGreaterThan(rows.findIndex(row => row.includes('after the gap')));
		expect(rows[divider + 1]).toContain('bob: first unread');
		const loading = renderScreen(<MessagePanel title="#dev" lines={[{...gap, loading: true}]} scroll={0} width={60} height={8}/>).frame();
		expect(loading).toContain('… loading 263 earlier messages');
	});

	test('above the oldest line: loading, more to fetch with PgUp, or the beginning of the conversation', () => {
		const conversation = {...withLines(emptyConversation('#dev', 'group', 'dev'), [message('bob', 'oldest held')]), history: 'loaded' as const, hasOlder: true};
		const draw = (top: ReturnType<typeof topHint>) => renderScreen(<MessagePanel title="#dev" lines={visibleLines(conversation, 10)} scroll={0} width={60} height={10} top={top}/>).frame();
		expect(topHint(conversation, 10)).toBe('older');
		expect(draw(topHint(conversation, 10))).toContain('… earlier messages: PgUp loads them');
		expect(topHint({...conversation, loadingOlder: true}, 10)).toBe('loading_older');
		expect(draw('loading_older')).toContain('… loading earlier messages');
		expect(topHint({...conversation, history: 'loading'}, 10)).toBe('loading');
		expect(draw('loading')).toContain('Loading history…');
		expect(topHint({...conversation, hasOlder: false}, 10)).toBe('start');
		expect(draw('start')).toContain('· the beginning of the conversation ·');
		expect(renderScreen(<MessagePanel title="#dev" lines={[]} scroll={0} width={60} height={10} top="start"/>).frame()).toContain('No messages yet.');
		// Scrolled so the oldest line is out of view: nothing to say up there.
		const long = withLines(conversation, Array.from({length: 50}, (_, index) => message('bob', `l${index}`)));
		expect(topHint({...long, hasOlder: true}, 10)).toBeUndefined();
	});
});

describe('ConversationPanel', () => {
	test('lists All, groups and direct messages with unread counts, then who is online', () => {
		const conversations = [
			emptyConversation('all', 'all', 'All'),
			{...emptyConversation('#dev', 'group', 'dev'), unread: 3},
			{...emptyConversation('@bob', 'dm', 'bob'), unread: 2, mentions: 1},
			emptyConversation('#b\u001B[2Jad', 'group', 'b\u001B[2Jad'),
		];
		const frame = renderScreen(<ConversationPanel conversations={conversations} active="#dev" online={['bob', 'car\u009Bol']} width={24} height={14}/>).frame();
		const rows = frame.split('\n').map(row => row.replaceAll('│', '').trim());
		expect(rows).toContainEqual(expect.stringMatching(/^# dev +3$/));
		expect(rows).toContainEqual(expect.stringMatching(/^@ bob +@2$/));
		expect(rows).toContain('# b[2Jad');
		expect(rows).toContain('Online (2)');
		expect(rows).toContain('● carol');
		expect(frame).not.toContain('\u001B');
		expect(frame).not.toContain('\u009B');
	});

	test('with more conversations than rows, the window keeps the active one in view', () => {
		const conversations = [emptyConversation('all', 'all', 'All'), ...Array.from({length: 30}, (_, index) => emptyConversation(`#g${index}`, 'group', `g${String(index).padStart(2, '0')}`))];
		const frame = renderScreen(<ConversationPanel conversations={conversations} active="#g25" online={[]} width={24} height={12}/>).frame();
		expect(frame).toContain('# g25');
		expect(frame).not.toContain('# g01');
		expect(frame.split('\n')).toHaveLength(12);
	});
});

describe('InputPanel', () => {
	test('a line longer than the box shows its end, where the cursor is, and stays one row high', () => {
		const value = `${'a'.repeat(150)} the end`;
		const frame = renderScreen(<InputPanel target="#dev" value={value} cursor={value.length} width={60} pasted={undefined} pasting={false}/>).frame();
		const rows = frame.split('\n');
		expect(rows).toHaveLength(3);
		expect(rows[1]).toContain('#dev › ');
		expect(rows[1]).toContain('aaa the end');
		expect(rows.every(row => row.length <= 60)).toBe(true);
	});
});

describe('StatusBar', () => {
	test('too narrow for everything, it drops the lag and the keys and shortens the reason, keeping the state and the retry countdown', () => {
		const frame = renderScreen(<StatusBar user="alice" server="chat.example.org:12345" connection="reconnecting" detail="retry 3 in 4 s: connection refused by the server at chat.example.org" lagMs={3} width={50}/>).frame();
		const row = frame.split('\n')[0]!;
		expect(row).toContain('● reconnecting (retry 3 in 4 s');
		expect(row).toContain('…');
		expect(row).not.toContain('lag');
		expect(stringWidth(row)).toBeLessThanOrEqual(50);
	});

	test('counts unread messages when it is given them (the list is hidden)', () => {
		const frame = renderScreen(<StatusBar user="alice" server="127.0.0.1:1" connection="online" detail="" lagMs={undefined} width={45} unread={{unread: 4, mentions: 1}}/>).frame();
		expect(frame).toContain('4 unread (1 @you)');
		expect(frame).toContain('● online');
	});
});

describe('MessagePanel wrapping', () => {
	test('a long message wraps at spaces, its rows indented under the text, none starting with a space; /help lines keep their indent', () => {
		const long = message('bob', 'the quick brown fox jumps over the lazy dog and keeps on running far away');
		const help = {kind: 'info', key: key++, text: 'TUI keys:\n  Ctrl+N / Ctrl+P       next / previous conversation; Alt+1..9 the first to ninth'} as const;
		const frame = renderScreen(<Panel conversation={withLines(emptyConversation('#x', 'group', 'x'), [long, help])} width={44} height={14}/>).frame();
		const rows = frame.split('\n').map(row => row.slice(2, -2));
		const first = rows.findIndex(row => row.includes('bob: the quick'));
		expect(rows[first + 1]).toMatch(/^ {11}\S/);
		expect(rows[first + 2]).toMatch(/^ {11}\S/);
		const keysRow = rows.findIndex(row => row.includes('Ctrl+N / Ctrl+P'));
		expect(rows[keysRow]).toMatch(/^ {4}Ctrl\+N/);
		expect(rows[keysRow + 1]).toMatch(/^ {6}\S/);
	});
});

describe('MessagePanel with messages taller than the rows left', () => {
	const width = 60;
	const height = 12;
	const draw = (conversation: Conversation) => renderScreen(<MessagePanel title="#tall" lines={visibleLines(conversation, height, width)} scroll={conversation.scroll} width={width} height={height}/>).frame();
	const inside = (frame: string) => frame.split('\n').slice(2, -1).map(row => row.slice(2, -2));

	test('a message that only partly fits at the top shows its last rows, not blank rows', () => {
		const lines = [message('carol', 'early'), message('bob', `START ${'word '.repeat(90)}END`), message('dave', 'after')];
		const rows = inside(draw(withLines(emptyConversation('#tall', 'group', 'tall'), lines)));
		expect(rows[0]!.trim()).not.toBe('');
		expect(rows.join('\n')).toContain('END');
		expect(rows.at(-1)).toContain('dave: after');
	});

	test('a message taller than the panel: its end under the next line, its beginning when it is the newest line in view', () => {
		const tall = message('dave', `HEAD${'w'.repeat(3990)}TAIL`);
		const conversation = withLines(emptyConversation('#tall', 'group', 'tall'), [message('carol', 'early'), tall, message('carol', 'after')]);
		const newest = inside(draw(conversation)).join('\n');
		expect(newest).toContain('TAIL');
		expect(newest).toContain('carol: after');
		// One PageUp later the tall message is the newest line in view: its sender, time and start show.
		const scrolled = inside(draw({...conversation, scroll: 1})).join('\n');
		expect(scrolled).toContain('dave: HEAD');
		expect(scrolled).not.toContain('TAIL');
	});
});

describe('"colors" in the config file', () => {
	let level: ChalkInstance['level'];
	beforeAll(() => {
		level = chalk.level;
		chalk.level = 1;
	});
	afterAll(() => {
		chalk.level = level;
	});

	test('draws without foreground or background colours; the mention is inverse instead of on yellow', () => {
		const conversation = withLines(emptyConversation('#x', 'group', 'x'), [message('bob', 'alice, look', {mention: true})]);
		const coloured = renderScreen(<Panel conversation={conversation} width={40} height={6}/>).frame();
		// eslint-disable-next-line no-control-regex
		const colourCodes = /\u001B\[(?:3[0-7]|9[0-7]|4[0-7]|10[0-7])m/;
		expect(coloured).toMatch(colourCodes);
		const mono = renderScreen(<ThemeContext.Provider value={makeTheme(false)}><Panel conversation={conversation} width={40} height={6}/></ThemeContext.Provider>).frame();
		expect(mono).not.toMatch(colourCodes);
		expect(mono).toMatch(/\u001B\[7m(?:\u001B\[1m)?alice, look/);
	});

	test('draws the colours the config file chose: your name, the others\' names, a mention, an action, the time and the border', () => {
		chalk.level = 3;
		const conversation = withLines(emptyConversation('#x', 'group', 'x'), [
			message('alice', 'my own line', {mine: true}),
			message('bob', 'alice, look', {mention: true}),
			message('carol', 'waves', {action: true}),
		]);
		const theme = makeTheme({ownNick: '#ff8800', nicks: 'blueBright', mention: 'magenta', action: 'green', timestamp: 'ansi256(33)', border: 'red'});
		const frame = renderScreen(<ThemeContext.Provider value={theme}><Panel conversation={conversation} width={50} height={7}/></ThemeContext.Provider>).frame();
		chalk.level = 1;
		const row = (text: string) => frame.split('\n').find(line => line.includes(text)) ?? '';
		expect(row('my own line')).toContain('\u001B[38;2;255;136;0malice\u001B[39m');
		expect(row('alice, look')).toContain('\u001B[94mbob\u001B[39m');
		expect(row('alice, look')).toContain('\u001B[45m\u001B[30malice, look');
		expect(row('waves')).toContain('\u001B[32m* \u001B[94mcarol');
		expect(row('waves')).toContain('\u001B[32mwaves');
		expect(row('my own line')).toContain('\u001B[38;5;33m12:00 ');
		expect(frame.split('\n')[0]).toMatch(/^\u001B\[31m╭/);
	});
});
