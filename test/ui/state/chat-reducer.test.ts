import {describe, expect, test} from 'vitest';
import type {CommandReply} from '../../../source/client/connection.js';
import {parseCommand, type ChatMessage, type Command, type ServerEvent} from '../../../source/protocol/index.js';
import {tuiKeyHelp} from '../../../source/ui/help.js';
import {activeConversation, chatReducer, initialChatState, type ChatAction} from '../../../source/ui/state/chat-reducer.js';
import {conversationOrder} from '../../../source/ui/state/conversations.js';
import type {ChatState, Line} from '../../../source/ui/state/types.js';

let nextId = 1;
const ts = '2026-11-25T12:00:00.000Z';
const broadcast = (from: string, text: string): ChatMessage => ({type: 'broadcast', id: nextId++, ts, from, text});
const group = (from: string, name: string, text: string): ChatMessage => ({type: 'group_msg', id: nextId++, ts, from, group: name, text});
const direct = (from: string, to: string, text: string): ChatMessage => ({type: 'msg', id: nextId++, ts, from, to, text});

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
const texts = (lines: readonly Line[]) => lines.map(line => (line.kind === 'message' ? `${line.from}: ${line.text}` : `${line.kind}: ${line.text}`));
const fresh = () => initialChatState({me: 'alice', server: '127.0.0.1:12345'});

describe('chat reducer: where messages go', () => {
	test('broadcasts land in All, group messages in their group, direct messages with the partner', () => {
		const state = run(fresh(), events(
			broadcast('bob', 'hello all'),
			group('carol', 'dev', 'standup'),
			direct('bob', 'alice', 'psst'),
		));
		expect(texts(state.conversations.all!.lines)).toEqual(['bob: hello all']);
		expect(texts(state.conversations['#dev']!.lines)).toEqual(['carol: standup']);
		expect(texts(state.conversations['@bob']!.lines)).toEqual(['bob: psst']);
		expect(conversationOrder(state)).toEqual(['all', '#dev', '@bob']);
	});

	test('my own direct message from another session goes to the conversation with its recipient, marked mine', () => {
		const state = run(fresh(), events(direct('alice', 'dave', 'from my laptop')));
		const [line] = state.conversations['@dave']!.lines;
		expect(line).toMatchObject({kind: 'message', mine: true, text: 'from my laptop'});
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

test('after a server restart message ids start again: a new message with an old id is still shown', () => {
	const before: ChatMessage = {type: 'broadcast', id: 1, ts: '2026-11-25T12:00:00.000Z', from: 'bob', text: 'old server'};
	const after: ChatMessage = {type: 'broadcast', id: 1, ts: '2026-11-25T12:05:00.000Z', from: 'bob', text: 'new server'};
	const state = run(fresh(), events(before), events(after), events(after));
	expect(texts(state.conversations.all!.lines)).toEqual(['bob: old server', 'bob: new server']);
});

describe('chat reducer: unread counts and switching', () => {
	test('messages in other conversations count as unread until opened; mentions are counted apart', () => {
		let state = run(fresh(), events(group('bob', 'dev', 'one'), group('bob', 'dev', 'ping alice'), broadcast('bob', 'in view')));
		expect(state.conversations['#dev']).toMatchObject({unread: 2, mentions: 1});
		expect(state.conversations.all!.unread).toBe(0);
		state = run(state, {type: 'switch', step: 1});
		expect(state.active).toBe('#dev');
		expect(state.conversations['#dev']).toMatchObject({unread: 0, mentions: 0});
		state = run(state, events(broadcast('bob', 'while away')));
		expect(state.conversations.all!.unread).toBe(1);
	});

	test('Ctrl+N / Ctrl+P walk All, groups, then direct messages, wrapping around', () => {
		const start = run(fresh(), events(direct('zed', 'alice', 'z'), group('bob', 'ops', 'o'), group('bob', 'dev', 'd')));
		const visited: string[] = [];
		let state = start;
		for (let step = 0; step < 4; step++) {
			state = run(state, {type: 'switch', step: 1});
			visited.push(state.active);
		}

		expect(visited).toEqual(['#dev', '#ops', '@zed', 'all']);
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
		expect(texts(state.conversations.all!.lines)).toContain('info: bob went offline');
		expect(texts(state.conversations['@bob']!.lines)).toContain('info: bob went offline');
	});

	test('joining opens and selects the group; others joining are shown in it; leaving removes it and falls back to All', () => {
		let state = run(fresh(), reply('/join_group dev', {type: 'ok', command: 'join_group', text: 'you joined #dev', group: 'dev'}));
		expect(state.active).toBe('#dev');
		state = run(state, events({type: 'membership', group: 'dev', user: 'dave', joined: true, ts}));
		expect(texts(activeConversation(state).lines)).toContain('info: dave joined #dev');
		state = run(state, reply('/leave_group dev', {type: 'ok', command: 'leave_group', text: 'you left #dev', group: 'dev'}));
		expect(state.conversations['#dev']).toBeUndefined();
		expect(state.active).toBe('all');
		expect(state.knownGroups).toEqual(['dev']);
	});

	test('a silent /groups and /users (after a reconnect) restore groups and who is online without printing', () => {
		const state = run(
			fresh(),
			reply('/groups', {type: 'ok', command: 'groups', text: 'groups: ...', groups: [{name: 'dev', members: 2, joined: true}, {name: 'ops', members: 1, joined: false}]}, true),
			reply('/users', {type: 'ok', command: 'users', text: 'online: ...', users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 2}]}, true),
		);
		expect(conversationOrder(state)).toEqual(['all', '#dev']);
		expect(state.knownGroups).toEqual(['dev', 'ops']);
		expect(state.online).toEqual(['bob']);
		expect(state.conversations.all!.lines).toEqual([]);
	});

	test('/users typed by the user prints the reply in the open conversation', () => {
		const state = run(fresh(), reply('/users', {type: 'ok', command: 'users', text: 'online (2): alice, bob', users: [{name: 'alice', sessions: 1}, {name: 'bob', sessions: 1}]}));
		expect(texts(state.conversations.all!.lines)).toEqual(['info: online (2): alice, bob']);
	});

	test('/help shows the server help and then the TUI keys', () => {
		const state = run(fresh(), reply('/help', {type: 'ok', command: 'help', text: 'commands:\n/msg <user> <text>'}));
		expect(texts(state.conversations.all!.lines)).toEqual(['info: commands:', 'info: /msg <user> <text>', ...tuiKeyHelp.map(line => `info: ${line}`)]);
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
		const lines = state.conversations.all!.lines;
		expect(lines).toHaveLength(100);
		expect(texts([lines[0]!, lines.at(-1)!])).toEqual(['bob: m150', 'bob: m249']);
	});

	test('PageUp/PageDown move by a page, within the history; End goes back to the newest', () => {
		let state = run(fresh(), events(...Array.from({length: 30}, (_, index) => broadcast('bob', `m${index}`))));
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 10});
		expect(activeConversation(state).scroll).toBe(10);
		state = run(state, {type: 'scroll', to: 'page_up', pageSize: 10}, {type: 'scroll', to: 'page_up', pageSize: 10}, {type: 'scroll', to: 'page_up', pageSize: 10});
		expect(activeConversation(state).scroll).toBe(29);
		state = run(state, {type: 'scroll', to: 'page_down', pageSize: 10});
		expect(activeConversation(state).scroll).toBe(19);
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
