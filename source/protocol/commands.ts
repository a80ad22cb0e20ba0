import {parseConversation, type ConversationName} from './conversation.js';
import {DEFAULT_HISTORY_COUNT, GROUPS_PAGE_SIZE, MAX_HISTORY_COUNT, MAX_TEXT_LENGTH, MEMBERS_PAGE_SIZE} from './limits.js';
import {nameProblem, normalizeName} from './names.js';
import {sanitizeText} from './sanitize.js';

/** One command a logged-in user can give, as typed (`/msg bob hi`) or sent in JSON mode. */
export type Command =
	| {readonly type: 'msg'; readonly to: string; readonly text: string}
	| {readonly type: 'broadcast'; readonly text: string}
	| {readonly type: 'create_group'; readonly group: string}
	| {readonly type: 'join_group'; readonly group: string}
	| {readonly type: 'group_msg'; readonly group: string; readonly text: string}
	| {readonly type: 'leave_group'; readonly group: string}
	/** IRC's JOIN: join the group, or create it when there is none. */
	| {readonly type: 'join'; readonly group: string}
	/** IRC's PART: `/leave_group` by another name. */
	| {readonly type: 'part'; readonly group: string}
	/** IRC's CTCP ACTION: `text` is something the sender does, in `conversation` (`#group`, `@user` or `*`). */
	| {readonly type: 'me'; readonly conversation: ConversationName; readonly text: string}
	| {readonly type: 'exit'}
	| {readonly type: 'help'; readonly topic?: string}
	| {readonly type: 'users'}
	/** `filter`: only groups whose name contains it; `page`: 1 and up (GROUPS_PAGE_SIZE a page). */
	| {readonly type: 'groups'; readonly filter?: string; readonly page?: number}
	/** `page`: 1 and up (MEMBERS_PAGE_SIZE a page). */
	| {readonly type: 'members'; readonly group: string; readonly page?: number}
	| {readonly type: 'history'; readonly conversation: ConversationName; readonly before?: number; readonly after?: number; readonly limit: number}
	| {readonly type: 'read'; readonly conversation: ConversationName; readonly seq?: number}
	| {readonly type: 'sessions'}
	| {readonly type: 'logout_others'};

export type CommandName = Command['type'];

/** What an argument holds: the TUI completes `user` and `group` arguments from what it knows. */
export type ArgumentKind = 'user' | 'group' | 'text' | 'command' | 'conversation' | 'paging' | 'seq';

export type CommandSpec = {
	readonly name: CommandName;
	readonly usage: string;
	readonly summary: string;
	/** Positional arguments in order; a `text` argument is always last and takes the rest of the line. */
	readonly args: readonly ArgumentKind[];
	/** Arguments that may be left out, from the end. */
	readonly optional?: number;
};

export const commandSpecs: readonly CommandSpec[] = [
	{name: 'msg', usage: '/msg <user> <text>', summary: 'private message to one user (all of their sessions)', args: ['user', 'text']},
	{name: 'broadcast', usage: '/broadcast <text>', summary: 'message to every logged-in user', args: ['text']},
	{name: 'create_group', usage: '/create_group <group>', summary: 'create a group; you become its first member', args: ['group']},
	{name: 'join_group', usage: '/join_group <group>', summary: 'join an existing group', args: ['group']},
	{name: 'group_msg', usage: '/group_msg <group> <text>', summary: 'message every member of a group you are in', args: ['group', 'text']},
	{name: 'leave_group', usage: '/leave_group <group>', summary: 'leave a group you are in', args: ['group']},
	{name: 'join', usage: '/join <group>', summary: 'join a group, or create it when there is none (#group works too)', args: ['group']},
	{name: 'part', usage: '/part <group>', summary: 'leave a group you are in, like /leave_group (#group works too)', args: ['group']},
	{name: 'me', usage: '/me <conversation> <text>', summary: 'an action in #group, @user or *, shown as "* you <text>" (the TUI fills in the open conversation: /me <text>)', args: ['conversation', 'text']},
	{name: 'users', usage: '/users', summary: 'who is online', args: []},
	{name: 'groups', usage: '/groups [filter] [page]', summary: `groups with member counts, yours first and marked, ${GROUPS_PAGE_SIZE} a page; filter: only names containing it`, args: ['group', 'seq'], optional: 2},
	{name: 'members', usage: '/members <group> [page]', summary: `the members of a group, ${MEMBERS_PAGE_SIZE} a page`, args: ['group', 'seq'], optional: 1},
	{name: 'history', usage: '/history <conversation> [before <seq>|after <seq>] [N]', summary: `earlier messages of #group, @user or * (default ${DEFAULT_HISTORY_COUNT}, at most ${MAX_HISTORY_COUNT})`, args: ['conversation', 'paging'], optional: 1},
	{name: 'read', usage: '/read <conversation> [seq]', summary: 'mark #group, @user or * read up to seq (default: the newest)', args: ['conversation', 'seq'], optional: 1},
	{name: 'sessions', usage: '/sessions', summary: 'your sessions: how each is connected, from where, since when', args: []},
	{name: 'logout_others', usage: '/logout_others', summary: 'end all your other sessions', args: []},
	{name: 'help', usage: '/help [command]', summary: 'list the commands, or explain one', args: ['command'], optional: 1},
	{name: 'exit', usage: '/exit', summary: 'disconnect cleanly', args: []},
];

const specByName = new Map<string, CommandSpec>(commandSpecs.map(spec => [spec.name, spec]));

export function commandSpec(name: CommandName): CommandSpec {
	return specByName.get(name)!;
}

export type ParseErrorCode = 'not_a_command' | 'unknown_command' | 'usage' | 'invalid_name' | 'text_too_long' | 'bad_argument';

export type ParseError = {readonly code: ParseErrorCode; readonly message: string};

export type ParseResult =
	| {readonly ok: true; readonly command: Command}
	| {readonly ok: false; readonly error: ParseError};

function fail(code: ParseErrorCode, message: string): ParseResult {
	return {ok: false, error: {code, message}};
}

/**
Split off the first whitespace-separated word. The rest keeps its inner and trailing spaces,
so `<text>` arguments arrive exactly as typed (only the separating spaces go).
*/
function splitWord(input: string): [word: string, rest: string] {
	const start = skipSpaces(input, 0);
	const end = input.indexOf(' ', start);
	if (end === -1) {
		return [input.slice(start), ''];
	}

	return [input.slice(start, end), input.slice(skipSpaces(input, end + 1))];
}

function skipSpaces(input: string, from: number): number {
	let index = from;
	while (input.charCodeAt(index) === 0x20) {
		index++;
	}

	return index;
}

/** Parse one input line (`/msg bob hi there`) into a typed command, or a precise error. */
export function parseCommand(line: string): ParseResult {
	if (!line.startsWith('/')) {
		return fail('not_a_command', 'commands start with / (try /help)');
	}

	const [word, rest] = splitWord(line.slice(1));
	const name = word.toLowerCase();
	const spec = specByName.get(name);
	if (!spec) {
		return word === ''
			? fail('unknown_command', 'missing command name after / (try /help)')
			: fail('unknown_command', `unknown command /${sanitizeText(word).slice(0, 40)} (try /help)`);
	}

	const usage = () => fail('usage', `usage: ${spec.usage}`);
	if (spec.name === 'history' || spec.name === 'read') {
		return parseConversationCommand(spec, rest, usage);
	}

	if (spec.name === 'groups' || spec.name === 'members') {
		return parseListingCommand(spec, rest, usage);
	}

	const values: string[] = [];
	let remaining = rest;
	for (let index = 0; index < spec.args.length; index++) {
		const kind = spec.args[index]!;
		if (kind === 'text') {
			// Spaces that only show up once a tab or control character is cleaned out separate, like the
			// others: text never starts with a space, so formatCommand round-trips every parsed command.
			const text = sanitizeText(remaining).replace(/^ +/, '');
			if (text.trim() === '') {
				return usage();
			}

			if (text.length > MAX_TEXT_LENGTH) {
				return fail('text_too_long', `message is longer than ${MAX_TEXT_LENGTH} characters`);
			}

			values.push(text);
			remaining = '';
			break;
		}

		const [value, after] = splitWord(remaining);
		if (value === '') {
			if (index >= spec.args.length - (spec.optional ?? 0)) {
				break;
			}

			return usage();
		}

		if (kind === 'conversation') {
			const conversation = parseConversation(value);
			if (!conversation.ok) {
				return fail(value.startsWith('#') || value.startsWith('@') ? 'invalid_name' : 'bad_argument', `${conversation.message} (usage: ${spec.usage})`);
			}

			values.push(conversation.name);
		} else if (kind === 'user' || kind === 'group') {
			// IRC users write channels with their `#`.
			const name = kind === 'group' && (spec.name === 'join' || spec.name === 'part') && value.startsWith('#') ? value.slice(1) : value;
			const problem = nameProblem(name, kind);
			if (problem) {
				return fail('invalid_name', `${problem} (usage: ${spec.usage})`);
			}

			values.push(normalizeName(name));
		} else {
			const topic = value.replace(/^\//, '').toLowerCase();
			if (!specByName.has(topic)) {
				return fail('unknown_command', `unknown command /${sanitizeText(topic).slice(0, 40)} (try /help)`);
			}

			values.push(topic);
		}

		remaining = after;
	}

	if (remaining.trim() !== '') {
		return usage();
	}

	return {ok: true, command: build(spec.name, values)};
}

const seqPattern = /^\d{1,15}$/;

function parseSeq(word: string, what: string): number | ParseError {
	if (!seqPattern.test(word)) {
		return {code: 'bad_argument', message: `${what} must be a whole number from 0 to 999999999999999, not ${JSON.stringify(sanitizeText(word).slice(0, 20))}`};
	}

	return Number(word);
}

function isError(value: number | ParseError): value is ParseError {
	return typeof value !== 'number';
}

const pagePattern = /^\d{1,6}$/;
const filterPattern = /^[a-z\d_-]{1,32}$/;

/** `/groups [filter] [page]` and `/members <group> [page]`: a page number is the last word, all digits. */
function parseListingCommand(spec: CommandSpec, rest: string, usage: () => ParseResult): ParseResult {
	const words = rest.split(' ').filter(word => word !== '');
	let page: number | undefined;
	const last = words.at(-1);
	if (last !== undefined && pagePattern.test(last) && (spec.name === 'groups' || words.length === 2)) {
		page = Number(last);
		if (page < 1) {
			return fail('bad_argument', `the page is 1 or more, not ${last} (usage: ${spec.usage})`);
		}

		words.pop();
	}

	if (words.length > 1) {
		return usage();
	}

	const [first] = words;
	const paged = page === undefined ? {} : {page};
	if (spec.name === 'members') {
		if (first === undefined) {
			return usage();
		}

		const problem = nameProblem(first, 'group');
		if (problem) {
			return fail('invalid_name', `${problem} (usage: ${spec.usage})`);
		}

		return {ok: true, command: {type: 'members', group: normalizeName(first), ...paged}};
	}

	if (first === undefined) {
		return {ok: true, command: {type: 'groups', ...paged}};
	}

	const filter = first.toLowerCase();
	if (!filterPattern.test(filter)) {
		return fail('bad_argument', `a filter is part of a group name: up to 32 of a-z 0-9 _ - (usage: ${spec.usage})`);
	}

	return {ok: true, command: {type: 'groups', filter, ...paged}};
}

/** `/history <conversation> [before <seq>|after <seq>] [N]` and `/read <conversation> [seq]`. */
function parseConversationCommand(spec: CommandSpec, rest: string, usage: () => ParseResult): ParseResult {
	const words = rest.split(' ').filter(word => word !== '');
	const [first, ...more] = words;
	if (first === undefined) {
		return usage();
	}

	const conversation = parseConversation(first);
	if (!conversation.ok) {
		return fail(first.startsWith('#') || first.startsWith('@') ? 'invalid_name' : 'bad_argument', `${conversation.message} (usage: ${spec.usage})`);
	}

	if (spec.name === 'read') {
		if (more.length > 1) {
			return usage();
		}

		if (more.length === 0) {
			return {ok: true, command: {type: 'read', conversation: conversation.name}};
		}

		const seq = parseSeq(more[0]!, 'seq');
		return isError(seq) ? {ok: false, error: seq} : {ok: true, command: {type: 'read', conversation: conversation.name, seq}};
	}

	let before: number | undefined;
	let after: number | undefined;
	let index = 0;
	const direction = more[0]?.toLowerCase();
	if (direction === 'before' || direction === 'after') {
		const word = more[1];
		if (word === undefined) {
			return usage();
		}

		const seq = parseSeq(word, `the seq after ${direction}`);
		if (isError(seq)) {
			return {ok: false, error: seq};
		}

		if (direction === 'before') {
			before = seq;
		} else {
			after = seq;
		}

		index = 2;
	}

	let limit = DEFAULT_HISTORY_COUNT;
	const countWord = more[index];
	if (countWord !== undefined) {
		if (!/^-?\d+$/.test(countWord)) {
			return usage();
		}

		const count = Number(countWord);
		if (count < 1 || count > MAX_HISTORY_COUNT) {
			return fail('bad_argument', `N must be from 1 to ${MAX_HISTORY_COUNT}, not ${countWord.slice(0, 20)} (usage: ${spec.usage})`);
		}

		limit = count;
		index++;
	}

	if (index !== more.length) {
		return usage();
	}

	return {ok: true, command: {
		type: 'history',
		conversation: conversation.name,
		...(before === undefined ? {} : {before}),
		...(after === undefined ? {} : {after}),
		limit,
	}};
}

function build(name: CommandName, [first = '', second = '']: readonly string[]): Command {
	switch (name) {
		case 'msg': {
			return {type: 'msg', to: first, text: second};
		}

		case 'broadcast': {
			return {type: 'broadcast', text: first};
		}

		case 'group_msg': {
			return {type: 'group_msg', group: first, text: second};
		}

		case 'create_group':
		case 'join_group':
		case 'leave_group':
		case 'join':
		case 'part': {
			return {type: name, group: first};
		}

		case 'me': {
			return {type: 'me', conversation: first, text: second};
		}

		case 'groups':
		case 'members': {
			throw new Error(`/${name} is parsed by parseListingCommand`);
		}

		case 'help': {
			return first === '' ? {type: 'help'} : {type: 'help', topic: first};
		}

		case 'history':
		case 'read': {
			throw new Error(`/${name} is parsed by parseConversationCommand`);
		}

		case 'exit':
		case 'users':
		case 'sessions':
		case 'logout_others': {
			return {type: name};
		}
	}
}

/** The line a command is typed as; `parseCommand(formatCommand(c))` gives `c` back. */
export function formatCommand(command: Command): string {
	switch (command.type) {
		case 'msg': {
			return `/msg ${command.to} ${command.text}`;
		}

		case 'broadcast': {
			return `/broadcast ${command.text}`;
		}

		case 'group_msg': {
			return `/group_msg ${command.group} ${command.text}`;
		}

		case 'create_group':
		case 'join_group':
		case 'leave_group':
		case 'join':
		case 'part': {
			return `/${command.type} ${command.group}`;
		}

		case 'me': {
			return `/me ${command.conversation} ${command.text}`;
		}

		case 'members': {
			return command.page === undefined ? `/members ${command.group}` : `/members ${command.group} ${command.page}`;
		}

		case 'groups': {
			return ['/groups', ...(command.filter === undefined ? [] : [command.filter]), ...(command.page === undefined ? [] : [String(command.page)])].join(' ');
		}

		case 'help': {
			return command.topic === undefined ? '/help' : `/help ${command.topic}`;
		}

		case 'history': {
			const paging = command.before === undefined ? (command.after === undefined ? '' : ` after ${command.after}`) : ` before ${command.before}`;
			return `/history ${command.conversation}${paging} ${command.limit}`;
		}

		case 'read': {
			return command.seq === undefined ? `/read ${command.conversation}` : `/read ${command.conversation} ${command.seq}`;
		}

		case 'exit':
		case 'users':
		case 'sessions':
		case 'logout_others': {
			return `/${command.type}`;
		}
	}
}
