import {describe, expect, test} from 'vitest';
import type {CommandReply} from '../../../source/client/connection.js';
import {conversationOf, parseCommand, type ChatMessage, type Command, type ConversationSummary, type ServerEvent} from '../../../source/protocol/index.js';
import {tuiKeyHelp} from '../../../source/ui/help.js';
import {activeConversation, chatReducer, firstNewLine, initialChatState, type ChatAction} from '../../../source/ui/state/chat-reducer.js';
import {conversationOrder, resumePoints} from '../../../source/ui/state/conversations.js';
import type {ChatState, Line} from '../../../source/ui/state/types.js';

const ts = '2026-11-25T12:00:00.000Z';
let nextMsgid = 1;
/** The next seq per conversation (as alice sees it), as the server would number them. */
const seqs = new Map<string, number>();
function stamp(conversation: string, seq?: number): {msgid: string; seq: number; ts: string} {
	const next = seq ?? (seqs.get(conversation) ?? 0) + 1;
	seqs.set(conversation, Math.max(next, seqs.get(conversation) ?? 0));
	return {msgid: `01J${String(nextMsgid++).padStart(23, '0')}`, seq: next, ts};
}

const broadcast = (from: string, text: string, seq?: number): ChatMessage => ({type: 'broadcast', from, text, ...stamp('*', seq)});
const group = (from: string, name: string, text: string, seq?: number): ChatMessage => ({type: 'group_msg', from, group: name, text, ...stamp(`#${name}`, seq)});
const direct = (from: string, to: string, text: string, seq?: number): ChatMessage => ({type: 'msg', from, to, text, ...stamp(conversationOf({type: 'msg', from, to}, 'alice'), seq)});
const summary = (conversation: string, lastSeq: number, readSeq: number): ConversationSummary => ({conversation, last_seq: lastSeq, read_seq: readSeq, unread: lastSeq - readSeq});
const loginOk = (...conversations: ConversationSummary[]): ServerEvent => ({type: 'login_ok', id: 'login', user: 'alice', text: 'welcome', conversations});

function command(line: string): Command {
	const parsed = parseCommand(line);
	if (!parsed.ok) {
		throw new Error(parsed.error.message);
	}

	return parsed.command;
}

function run(state: ChatState, ...actions: ChatAction[]): ChatState {
	return actions.reduce(chatReducer, state);
}

const events = (...list: ServerEvent[]): ChatAction => ({type: 'server_events', events: list});
const reply = (line: string, answer: CommandReply, silent?: boolean): ChatAction => ({type: 'reply', command: command(line), reply: answer, silent});
const texts = (lines: readonly Line[]) => lines.map(line => (line.kind === 'message'
	? `${line.from}: ${line.text}`
	: line.kind === 'gap' ? `gap: ${line.after}..${line.before}` : `${line.kind}: ${line.text}`));
/** A history page as the server answers `/history <conversation> …`. */
const historyReply = (line: string, messages: ChatMessage[], more: boolean): ChatAction => {
	const parsed = command(line);
	const conversation = parsed.type === 'history' ? parsed.conversation : '';
	return {type: 'reply', command: parsed, reply: {type: 'ok', command: 'history', text: `${messages.length} messages`, conversation, messages, more}, silent: true};
};
const fresh = () => initialChatState({me: 'alice', server: '127.0.0.1:12345'});

describe('chat reducer: where messages go', () => {
	test('broadcasts land in All, group messages in their group, direct messages with the partner', () => {
		const state = run(fresh(), events(
			broadcast('bob', 'hello all'),
			group('carol', 'dev', 'standup'),
			direct('bob', 'alice', 'psst'),
		));
		expect(texts(state.conversations['*']!.lines)).toEqual(['bob: hello all']);
		expect(texts(state.conversations['#dev']!.lines)).toEqual(['carol: standup']);
		expect(texts(state.conversations['@bob']!.lines)).toEqual(['bob: psst']);
		expect(conversationOrder(state)).toEqual(['*', '#dev', '@bob']);
	});

	test('my own direct message from another session goes to the conversation with its recipient, marked mine; unread until that session shows it', () => {
		const message = direct('alice', 'dave', 'from my laptop');
		let state = run(fresh(), events(message));
		const [line] = state.conversations['@dave']!.lines;
		expect(line).toMatchObject({kind: 'message', mine: true, text: 'from my laptop'});
		// The server's rule: own messages count until read; the laptop marks it read as it shows it.
		expect(state.conversations['@dave']!.unread).toBe(1);
		state = run(state, events({type: 'read', conversation: '@dave', seq: message.seq}));
		expect(state.conversations['@dave']!.unread).toBe(0);
	});

	test('the reply to my /msg adds my message, opens the conversation and switches to it', () => {
		const message = direct('alice', 'bob', 'hi bob');
		const state = run(fresh(), reply('/msg bob hi bob', {type: 'ok', command: 'msg', text: 'sent', message, recipients: 1}));
		expect(state.active).toBe('@bob');
		expect(activeConversation(state).lines).toMatchObject([{kind: 'message', mine: true, text: 'hi bob'}]);
	});

	test('a message that comes both as reply and as event is shown once', () => {
		const message = group('alice', 'dev', 'once');
		const state = run(
			fresh(),
			reply('/join_group dev', {type: 'ok', command: 'join_group', text: 'you joined #dev', group: 'dev'}),
			reply('/group_msg dev once', {type: 'ok', command: 'group_msg', text: 'sent', message, recipients: 2}),
			events(message),
		);
		expect(texts(state.conversations['#dev']!.lines)).toEqual(['info: you joined #dev', 'alice: once']);
	});
});

describe('chat reducer: unread counts and switching', () => {
	test('messages in other conversations count as unread until opened; mentions are counted apart', () => {
		let state = run(fresh(), events(group('bob', 'dev', 'one'), group('bob', 'dev', 'ping alice'), broadcast('bob', 'in view')));
		expect(state.conversations['#dev']).toMatchObject({unread: 2, mentions: 1});
		expect(state.conversations['*']!.unread).toBe(0);
		state = run(state, {type: 'switch', step: 1});
		expect(state.active).toBe('#dev');
		expect(state.conversations['#dev']).toMatchObject({unread: 0, mentions: 0});
		state = run(state, events(broadcast('bob', 'while away')));
		expect(state.conversations['*']!.unread).toBe(1);
	});

	test('Ctrl+N / Ctrl+P walk All, groups, then direct messages, wrapping around', () => {
		const start = run(fresh(), events(direct('zed', 'alice', 'z'), group('bob', 'ops', 'o'), group('bob', 'dev', 'd')));
		const visited: string[] = [];
		let state = start;
		for (let step = 0; step < 4; step++) {
			state = run(state, {type: 'switch', step: 1});
			visited.push(state.active);
		}

		expect(visited).toEqual(['#dev', '#ops', '@zed', '*']);
		expect(run(start, {type: 'switch', step: -1}).active).toBe('@zed');
	});

	test('mentions are whole words, any case, never my own', () => {
		const state = run(fresh(), events(
			group('bob', 'dev', 'Alice: look'),
			group('bob', 'dev', 'ask @alice'),
			group('bob', 'dev', 'malice aforethought'),
			group('bob', 'dev', 'alice_b is someone else'),
			group('alice', 'dev', 'I am alice'),
		));
		const flags = state.conversations['#dev']!.lines.map(line => line.kind === 'message' && line.mention);
		expect(flags).toEqual([true, true, false, false, false]);
	});
});

describe('chat reducer: presence, groups, replies', () => {
	test('presence updates who is online and says so in All and in the direct conversation', () => {
		let state = run(fresh(), events(direct('bob', 'alice', 'hi')));
		state = run(state, events({type: 'presence', user: 'bob', online: true, ts}, {type: 'presence', user: 'carol', online: true, ts}));
		expect(state.online).toEqual(['bob', 'carol']);
		state = run(state, events({type: 'presence', user: 'bob', online: false, ts}));
		expect(state.online).toEqual(['carol']);
		expect(texts(state.conversations['*']!.lines)).toContain('info: bob went offline');
		expect(texts(state.conversations['@bob']!.lines)).toContain('info: bob went offline');
	});

	test('joining opens and selects the group; others joining are shown in it; leaving removes it and falls back to All', () => {
		let state = run(fresh(), reply('/join_group dev', {type: 'ok', command: 'join_group', text: 'you joined #dev', group: 'dev'}));
		expect(state.active).toBe('#dev');
		state = run(state, events({type: 'membership', group: 'dev', user: 'dave', joined: true, ts}));
		expect(texts(activeConversation(state).lines)).toContain('info: dave joined #dev');
		state = run(state, reply('/leave_group dev', {type: 'ok', command: 'leave_group', text: 'you left #dev', group: 'dev'}));
		expect(state.conversations['#dev']).toBeUndefined();
		expect(state.active).toBe('*');
		expect(state.knownGroups).toEqual(['dev']);
	});

	test('a silent /groups and /users (after a reconnect) restore groups and who is online without printing', () => {
		const state = run(
			fresh(),
			reply('/groups', {type: 'ok', command: 'groups', text: 'groups: ...', groups: [{name: 'dev', members: 2, joined: true}, {name: 'ops', members: 1, joined: false}]}, true),
			reply('/users', {type: 'ok', command: 'users', text: 'online: ...', users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 2}]}, true),
		);
		expect(conversationOrder(state)).toEqual(['*', '#dev']);
		expect(state.knownGroups).toEqual(['dev', 'ops']);
		expect(state.online).toEqual(['bob']);
		expect(state.conversations['*']!.lines).toEqual([]);
	});

	test('/users typed by the user prints the reply in the open conversation', () => {
		const state = run(fresh(), reply('/users', {type: 'ok', command: 'users', text: 'online (2): alice, bob', users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 1}]}));
		expect(texts(state.conversations['*']!.lines)).toEqual(['info: online (2): alice, bob']);
	});

	test('/help shows the server help and then the TUI keys', () => {
		const state = run(fresh(), reply('/help', {type: 'ok', command: 'help', text: 'commands:\n/msg <user> <text>'}));
		expect(texts(state.conversations['*']!.lines)).toEqual(['info: commands:', 'info: /msg <user> <text>', ...tuiKeyHelp.map(line => `info: ${line}`)]);
	});

	test('an error reply shows where the user is looking', () => {
		let state = run(fresh(), events(group('bob', 'dev', 'x')), {type: 'select', key: '#dev'});
		state = run(state, reply('/msg zed hi', {type: 'error', code: 'unknown_user', message: 'no user named zed', command: 'msg'}));
		expect(texts(activeConversation(state).lines).at(-1)).toBe('error: no user named zed');
		state = run(state, {type: 'notice', level: 'error', text: 'usage: /msg <user> <text>'});
		expect(texts(activeConversation(state).lines).at(-1)).toBe('error: usage: /msg <user> <text>');
	});

	test('connection state and lag', () => {
		let state = run(fresh(), {type: 'lag', ms: 3}, {type: 'connection', state: 'reconnecting', detail: 'retry 1 in 0.5 s'});
		expect(state).toMatchObject({connection: 'reconnecting', connectionDetail: 'retry 1 in 0.5 s', lagMs: undefined});
		state = run(state, {type: 'connection', state: 'online'}, {type: 'lag', ms: 4});
		expect(state).toMatchObject({connection: 'online', connectionDetail: '', lagMs: 4});
	});
});

describe('chat reducer: history and scrolling', () => {
	test('history is bounded per conversation, keeping the newest lines', () => {
		let state = initialChatState({me: 'alice', server: 's', historyLimit: 100});
		const batch = Array.from({length: 250}, (_, index) => broadcast('bob', `m${index}`));
		state = run(state, events(...batch.slice(0, 120)), events(...batch.slice(120)));
		const lines = state.conversations['*']!.lines;
		expect(lines).toHaveLength(100);
		expect(texts([lines[0]!, lines.at(-1)!])).toEqual(['bob: m150', 'bob: m249']);
	});

	test('PageUp/PageDown move by a page, within the history; End goes back to the newest', () => {
		let state = run(fresh(), events(...Array.from({length: 30}, (_, index) => broadcast('bob', `m${index}`))));
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 10});
		expect(activeConversation(state).scroll).toBe(10);
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 10}, {type: 'scroll', to: 'page_up', pageSize: 10}, {type: 'scroll', to: 'page_up', pageSize: 10});
		// It stops with the oldest line at the top of an 11-row view, not alone at its bottom.
		expect(activeConversation(state).scroll).toBe(19);
		state = run(state, {type: 'scroll', to: 'page_down', pageSize: 10});
		expect(activeConversation(state).scroll).toBe(9);
		state = run(state, {type: 'scroll', to: 'top', pageSize: 10, rows: 5});
		expect(activeConversation(state).scroll).toBe(25);
		state = run(state, {type: 'scroll', to: 'bottom', pageSize: 10});
		expect(activeConversation(state).scroll).toBe(0);
	});

	test('while scrolled back, new lines arrive below without moving the view', () => {
		let state = run(fresh(), events(...Array.from({length: 30}, (_, index) => broadcast('bob', `m${index}`))));
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 10}, events(broadcast('bob', 'new1'), broadcast('bob', 'new2')));
		const conversation = activeConversation(state);
		expect(conversation.scroll).toBe(12);
		expect(texts([conversation.lines[conversation.lines.length - 1 - conversation.scroll]!])).toEqual(['bob: m19']);
	});
});

describe('chat reducer: protocol 2 history, order and read markers', () => {
	const loggedIn = (...conversations: ConversationSummary[]) => run(fresh(), events(loginOk(...conversations)), {type: 'requests_taken', upTo: 1000});

	test('a message is shown once whether it comes as event, reply, resumed copy or history page', () => {
		const message = group('bob', 'dev', 'only once', 5);
		const state = run(
			loggedIn(summary('#dev', 4, 4)),
			events(message),
			reply('/group_msg dev x', {type: 'ok', command: 'group_msg', text: 'sent', message, recipients: 2}, true),
			events(message),
			historyReply('/history #dev', [group('bob', 'dev', 'four', 4), message], true),
		);
		expect(texts(state.conversations['#dev']!.lines)).toEqual(['bob: four', 'bob: only once']);
	});

	test('lines are ordered by seq whatever order they come in; info lines stay where they were shown', () => {
		const [one, two, three, four] = [1, 2, 3, 4].map(seq => broadcast('bob', `m${seq}`, seq));
		const state = run(
			loggedIn(summary('*', 0, 0)),
			events(three!),
			events({type: 'presence', user: 'carol', online: true, ts}),
			events(four!, one!),
			historyReply('/history * before 3', [one!, two!], false),
		);
		expect(texts(state.conversations['*']!.lines)).toEqual(['bob: m1', 'bob: m2', 'bob: m3', 'info: carol is online', 'bob: m4']);
	});

	test('login restores conversations with unread counts from the read markers, and asks for the open one\'s history', () => {
		const state = run(fresh(), events(loginOk(summary('*', 3, 3), summary('#dev', 12, 9), summary('@bob', 4, 0))));
		expect(conversationOrder(state)).toEqual(['*', '#dev', '@bob']);
		expect(state.conversations['#dev']).toMatchObject({unread: 3, lastSeq: 12, readSeq: 9, markedSeq: 9, history: 'unloaded'});
		expect(state.conversations['@bob']!.unread).toBe(4);
		expect(state.knownGroups).toEqual(['dev']);
		expect(state.knownUsers).toContain('bob');
		expect(state.requests.map(request => request.line)).toEqual(['/history * 100']);
	});

	test('messages the server no longer keeps do not count as unread: the count is the summary\'s', () => {
		// #zz: 6 seqs given, never read, but the first five went with an earlier group of the name.
		const state = run(fresh(), events(loginOk(summary('*', 0, 0), {conversation: '#zz', last_seq: 6, read_seq: 0, unread: 1})));
		expect(state.conversations['#zz']).toMatchObject({unread: 1, lastSeq: 6, readSeq: 5, markedSeq: 0});
	});

	test('opening a conversation not loaded fetches its newest page; PageUp to the top fetches the page before, until there is no more', () => {
		let state = run(loggedIn(summary('#dev', 250, 250)), {type: 'select', key: '#dev'});
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev 100']);
		expect(activeConversation(state).history).toBe('loading');
		const page = (from: number, to: number) => Array.from({length: to - from + 1}, (_, index) => group('bob', 'dev', `m${from + index}`, from + index));
		state = run(state, {type: 'requests_taken', upTo: 1000}, historyReply('/history #dev 100', page(151, 250), true));
		expect(activeConversation(state)).toMatchObject({history: 'loaded', hasOlder: true});
		expect(texts(activeConversation(state).lines).at(-1)).toBe('bob: m250');

		// Pages of 20 rows: the 100 lines take 5 PageUps to reach the top; the fetch goes when the top shows.
		for (let press = 0; press < 4; press++) {
			state = run(state, {type: 'scroll', to: 'page_up', pageSize: 19, rows: 20});
		}

		expect(state.requests).toEqual([]);
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 19, rows: 20});
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev before 151 100']);
		expect(activeConversation(state).loadingOlder).toBe(true);
		const scrollBefore = activeConversation(state).scroll;
		state = run(state, {type: 'requests_taken', upTo: 1000}, historyReply('/history #dev before 151 100', page(51, 150), true));
		// The older page goes above; the view stays on the same lines.
		expect(activeConversation(state).scroll).toBe(scrollBefore);
		expect(texts(activeConversation(state).lines).slice(0, 2)).toEqual(['bob: m51', 'bob: m52']);
		state = run(state, {type: 'scroll', to: 'top', pageSize: 19, rows: 20});
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev before 51 100']);
		state = run(state, {type: 'requests_taken', upTo: 1000}, historyReply('/history #dev before 51 100', page(1, 50), false));
		expect(activeConversation(state)).toMatchObject({hasOlder: false, loadingOlder: false});
		expect(activeConversation(state).lines).toHaveLength(250);
		state = run(state, {type: 'scroll', to: 'top', pageSize: 19, rows: 20});
		expect(state.requests).toEqual([]);
	});

	test('a history request lost with the connection is asked again at the next login', () => {
		let state = run(loggedIn(summary('#dev', 5, 5)), {type: 'select', key: '#dev'}, {type: 'requests_taken', upTo: 1000});
		const lost = command('/history #dev 100');
		state = run(state, {type: 'history_failed', command: lost as Extract<Command, {type: 'history'}>});
		expect(activeConversation(state).history).toBe('unloaded');
		state = run(state, events(loginOk(summary('#dev', 5, 5))));
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev 100']);
	});

	/** PageUp until the view asks for something (at most `limit` presses). */
	function pageUpUntilRequest(state: ChatState, limit = 200): ChatState {
		for (let press = 0; press < limit && state.requests.length === 0; press++) {
			state = run(state, {type: 'scroll', to: 'page_up', pageSize: 19, rows: 20});
		}

		return state;
	}

	test('a gap shows how many messages were skipped; PageUp there fetches them page by page until it closes', () => {
		let state = run(loggedIn(summary('#dev', 1305, 41)), {type: 'select', key: '#dev'}, {type: 'requests_taken', upTo: 1000});
		state = run(state, historyReply('/history #dev 100', [group('bob', 'dev', 'old', 41)], false));
		// Resumed from 41: 1 000 newest came, 263 between were not sent.
		const resumed = Array.from({length: 1000}, (_, index) => group('bob', 'dev', `new${305 + index}`, 305 + index));
		state = run(state, events({type: 'gap', conversation: '#dev', after: 41, before: 305, skipped: 263}, ...resumed));
		const lines = activeConversation(state).lines;
		expect(texts(lines.slice(0, 3))).toEqual(['bob: old', 'gap: 41..305', 'bob: new305']);

		state = pageUpUntilRequest(state);
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev before 305 100']);
		// Asked when the marker came into view, not before.
		const {lines: before, scroll} = activeConversation(state);
		expect(before.length - scroll).toBeLessThanOrEqual(20);
		expect(activeConversation(state).lines[1]).toMatchObject({kind: 'gap', loading: true});
		state = run(state, {type: 'requests_taken', upTo: 1000}, historyReply('/history #dev before 305 100', Array.from({length: 100}, (_, index) => group('bob', 'dev', `mid${205 + index}`, 205 + index)), true));
		expect(texts(activeConversation(state).lines.slice(0, 3))).toEqual(['bob: old', 'gap: 41..205', 'bob: mid205']);

		state = pageUpUntilRequest(state);
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev before 205 100']);
		state = run(state, {type: 'requests_taken', upTo: 1000}, historyReply('/history #dev before 205 100', Array.from({length: 100}, (_, index) => group('bob', 'dev', `mid${105 + index}`, 105 + index)), true));
		state = pageUpUntilRequest(state);
		expect(state.requests.map(request => request.line)).toEqual(['/history #dev before 105 63']);
		state = run(state, {type: 'requests_taken', upTo: 1000}, historyReply('/history #dev before 105 63', Array.from({length: 63}, (_, index) => group('bob', 'dev', `mid${42 + index}`, 42 + index)), true));
		const filled = activeConversation(state).lines;
		expect(filled.some(line => line.kind === 'gap')).toBe(false);
		expect(filled.map(line => (line.kind === 'message' ? line.seq : -1))).toEqual(Array.from({length: 1304 - 40}, (_, index) => 41 + index));
	});

	test('read markers: another session reading drops the count; the open conversation is read as shown, only forward', () => {
		let state = loggedIn(summary('*', 0, 0), summary('#dev', 10, 4));
		expect(state.conversations['#dev']!.unread).toBe(6);
		state = run(state, events({type: 'read', conversation: '#dev', seq: 8}));
		expect(state.conversations['#dev']).toMatchObject({unread: 2, readSeq: 8, markedSeq: 8});
		state = run(state, events({type: 'read', conversation: '#dev', seq: 12}));
		expect(state.conversations['#dev']!.unread).toBe(0);

		// Broadcasts arrive in All, which is open: read at once (to be sent as mark_read).
		state = run(state, events(broadcast('bob', 'seen', 1), broadcast('bob', 'seen too', 2)));
		expect(state.conversations['*']).toMatchObject({unread: 0, readSeq: 2, markedSeq: 0});
		// Scrolled back, a newer message is not shown: it stays unread.
		state = run(state, events(...Array.from({length: 30}, (_, index) => broadcast('bob', `b${index}`, 3 + index))));
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 10, rows: 11}, events(broadcast('bob', 'below', 33)));
		expect(state.conversations['*']).toMatchObject({readSeq: 32, unread: 1});
		// The server answering the mark_read with an older marker moves nothing back.
		state = run(state, reply('/read * 2', {type: 'ok', command: 'read', text: 'read', conversation: '*', seq: 2}, true));
		expect(state.conversations['*']).toMatchObject({readSeq: 32, markedSeq: 2});
		state = run(state, {type: 'scroll', to: 'bottom', pageSize: 10});
		expect(state.conversations['*']).toMatchObject({readSeq: 33, unread: 0});
	});

	test('the "new messages" line marks where reading stopped, stays while the conversation is open, and goes when it is left', () => {
		let state = loggedIn(summary('*', 0, 0), summary('#dev', 3, 2));
		state = run(state, {type: 'select', key: '#dev'}, {type: 'requests_taken', upTo: 1000});
		const page = [group('bob', 'dev', 'read one', 1), group('bob', 'dev', 'read two', 2), group('bob', 'dev', 'unread', 3)];
		state = run(state, historyReply('/history #dev 100', page, false));
		const conversation = activeConversation(state);
		const divided = conversation.lines.find(line => line.key === firstNewLine(conversation));
		expect(divided).toMatchObject({text: 'unread'});
		// Shown, so read (the count is 0), but the line stays while the user is here.
		expect(conversation).toMatchObject({unread: 0, readSeq: 3});
		state = run(state, events(group('bob', 'dev', 'live', 4)));
		expect(firstNewLine(activeConversation(state))).toBe(divided!.key);
		state = run(state, {type: 'select', key: '*'}, {type: 'select', key: '#dev'});
		expect(firstNewLine(activeConversation(state))).toBeUndefined();

		// Back from a lost connection with messages missed in the open conversation: the line goes above them.
		state = run(state, events(loginOk(summary('#dev', 6, 4)), group('carol', 'dev', 'missed five', 5), group('carol', 'dev', 'missed six', 6)));
		const resumed = activeConversation(state);
		expect(resumed.lines.find(line => line.key === firstNewLine(resumed))).toMatchObject({text: 'missed five'});
	});

	test('resume points: the newest seq held in each conversation loaded or holding messages', () => {
		let state = loggedIn(summary('*', 0, 0), summary('#dev', 7, 7), summary('#ops', 3, 3));
		state = run(state, historyReply('/history * 100', [], false), events(group('bob', 'dev', 'x', 8), direct('bob', 'alice', 'y', 2)));
		expect(resumePoints(state)).toEqual({'*': 0, '#dev': 8, '@bob': 2});
	});

	test('a server that lost its history (numbering starts again): old lines stay, new ones follow them', () => {
		let state = run(loggedIn(summary('*', 0, 0), summary('#dev', 0, 0)), events(group('bob', 'dev', 'before the restart', 1), group('bob', 'dev', 'also before', 2)));
		state = run(state, events(loginOk(summary('*', 0, 0), summary('#dev', 1, 0))), events(group('carol', 'dev', 'new world', 1)));
		const dev = state.conversations['#dev']!;
		expect(texts(dev.lines)).toEqual(['bob: before the restart', 'bob: also before', expect.stringContaining('info: The server no longer has'), 'carol: new world']);
		expect(resumePoints(state)['#dev']).toBe(1);
		// Without a login summary, a different message at a seq already held tells the same.
		state = run(state, events(broadcast('bob', 'one', 1), broadcast('bob', 'two', 2), broadcast('dave', 'other one', 1)));
		expect(texts(state.conversations['*']!.lines)).toEqual(['bob: one', 'bob: two', expect.stringContaining('info: The server started'), 'dave: other one']);
	});
});
