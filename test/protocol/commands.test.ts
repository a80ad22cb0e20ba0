import {describe, expect, test} from 'vitest';
import {
	commandSpec,
	commandSpecs,
	formatCommand,
	MAX_NAME_LENGTH,
	MAX_TEXT_LENGTH,
	parseCommand,
	type Command,
	type ParseErrorCode,
} from '../../source/protocol/index.js';

function parsed(line: string): Command {
	const result = parseCommand(line);
	if (!result.ok) {
		throw new Error(`expected ${JSON.stringify(line)} to parse, got ${result.error.code}: ${result.error.message}`);
	}

	return result.command;
}

function failure(line: string): {code: ParseErrorCode; message: string} {
	const result = parseCommand(line);
	if (result.ok) {
		throw new Error(`expected ${JSON.stringify(line)} to fail, got ${JSON.stringify(result.command)}`);
	}

	return result.error;
}

describe('parseCommand: the seed commands, spelled as the seed spells them', () => {
	test.each<[string, Command]>([
		['/msg bob hi there', {type: 'msg', to: 'bob', text: 'hi there'}],
		['/broadcast hello all', {type: 'broadcast', text: 'hello all'}],
		['/create_group dev', {type: 'create_group', group: 'dev'}],
		['/join_group dev', {type: 'join_group', group: 'dev'}],
		['/group_msg dev standup in 5', {type: 'group_msg', group: 'dev', text: 'standup in 5'}],
		['/leave_group dev', {type: 'leave_group', group: 'dev'}],
		['/exit', {type: 'exit'}],
	])('%s', (line, command) => {
		expect(parsed(line)).toEqual(command);
	});
});

describe('parseCommand: the added commands', () => {
	test.each<[string, Command]>([
		['/help', {type: 'help'}],
		['/help msg', {type: 'help', topic: 'msg'}],
		['/help /group_msg', {type: 'help', topic: 'group_msg'}],
		['/help HELP', {type: 'help', topic: 'help'}],
		['/users', {type: 'users'}],
		['/groups', {type: 'groups'}],
		['/groups 3', {type: 'groups', page: 3}],
		['/groups DEV', {type: 'groups', filter: 'dev'}],
		['/groups dev 2', {type: 'groups', filter: 'dev', page: 2}],
		['/groups 2 1', {type: 'groups', filter: '2', page: 1}],
		['/members dev', {type: 'members', group: 'dev'}],
		['/members dev 4', {type: 'members', group: 'dev', page: 4}],
		['/members 2024', {type: 'members', group: '2024'}],
	])('%s', (line, command) => {
		expect(parsed(line)).toEqual(command);
	});

	test('/help takes every command name as a topic', () => {
		for (const spec of commandSpecs) {
			expect(parsed(`/help ${spec.name}`)).toEqual({type: 'help', topic: spec.name});
		}
	});

	test('/help with an unknown topic is an unknown command', () => {
		const error = failure('/help dance');
		expect(error.code).toBe('unknown_command');
		expect(error.message).toContain('/dance');
	});
});

describe('parseCommand: /history and /read', () => {
	test.each<[string, Command]>([
		['/history #dev', {type: 'history', conversation: '#dev', limit: 50}],
		['/history #Dev 10', {type: 'history', conversation: '#dev', limit: 10}],
		['/history @Bob before 120', {type: 'history', conversation: '@bob', before: 120, limit: 50}],
		['/history * after 0 1000', {type: 'history', conversation: '*', after: 0, limit: 1000}],
		['/history  #dev   BEFORE  7   3 ', {type: 'history', conversation: '#dev', before: 7, limit: 3}],
		['/read #dev', {type: 'read', conversation: '#dev'}],
		['/read @bob 12', {type: 'read', conversation: '@bob', seq: 12}],
	])('%s', (line, command) => {
		expect(parsed(line)).toEqual(command);
		expect(parsed(formatCommand(command))).toEqual(command);
	});

	test.each<[string, ParseErrorCode, string]>([
		['/history', 'usage', 'usage: /history <conversation> [before <seq>|after <seq>] [N]'],
		['/history dev', 'bad_argument', 'a conversation is #group, @user or * (usage: /history <conversation> [before <seq>|after <seq>] [N])'],
		['/history #b@d', 'invalid_name', 'group name may only hold'],
		['/history @', 'invalid_name', 'user name is empty'],
		['/history #dev 0', 'bad_argument', 'N must be from 1 to 1000, not 0'],
		['/history #dev -5', 'bad_argument', 'N must be from 1 to 1000, not -5'],
		['/history #dev 1001', 'bad_argument', 'N must be from 1 to 1000, not 1001'],
		['/history #dev 99999999999999999999', 'bad_argument', 'N must be from 1 to 1000'],
		['/history #dev before', 'usage', 'usage: /history'],
		['/history #dev before -1', 'bad_argument', 'the seq after before must be a whole number'],
		['/history #dev after 1e5', 'bad_argument', 'the seq after after must be a whole number'],
		['/history #dev before 9999999999999999', 'bad_argument', 'must be a whole number from 0 to 999999999999999'],
		['/history #dev ten', 'usage', 'usage: /history'],
		['/history #dev 5 6', 'usage', 'usage: /history'],
		['/read', 'usage', 'usage: /read <conversation> [seq]'],
		['/read #dev x', 'bad_argument', 'seq must be a whole number'],
		['/read #dev 1 2', 'usage', 'usage: /read'],
	])('%s fails with %s', (line, code, message) => {
		const error = failure(line);
		expect(error.code).toBe(code);
		expect(error.message).toContain(message);
	});
});

describe('parseCommand: usage errors', () => {
	test.each([
		['/msg', '/msg <user> <text>'],
		['/msg bob', '/msg <user> <text>'],
		['/msg bob    ', '/msg <user> <text>'],
		['/broadcast', '/broadcast <text>'],
		['/broadcast   ', '/broadcast <text>'],
		['/create_group', '/create_group <group>'],
		['/join_group', '/join_group <group>'],
		['/group_msg', '/group_msg <group> <text>'],
		['/group_msg dev', '/group_msg <group> <text>'],
		['/group_msg dev  ', '/group_msg <group> <text>'],
		['/leave_group', '/leave_group <group>'],
		['/members', '/members <group> [page]'],
	])('missing arguments: %s', (line, usage) => {
		expect(failure(line)).toEqual({code: 'usage', message: `usage: ${usage}`});
	});

	test.each([
		['/exit now', '/exit'],
		['/users all', '/users'],
		['/groups dev 1 2', '/groups [filter] [page]'],
		['/create_group dev ops', '/create_group <group>'],
		['/join_group dev ops', '/join_group <group>'],
		['/leave_group dev ops', '/leave_group <group>'],
		['/members dev ops', '/members <group> [page]'],
		['/help msg broadcast', '/help [command]'],
	])('extra arguments: %s', (line, usage) => {
		expect(failure(line)).toEqual({code: 'usage', message: `usage: ${usage}`});
	});

	test('trailing spaces after a command without arguments are not extra arguments', () => {
		expect(parsed('/users   ')).toEqual({type: 'users'});
		expect(parsed('/create_group dev   ')).toEqual({type: 'create_group', group: 'dev'});
	});

	test('text that is only control characters counts as empty', () => {
		expect(failure('/broadcast \u001B\u0007')).toEqual({code: 'usage', message: 'usage: /broadcast <text>'});
		expect(failure('/msg bob \u202E')).toEqual({code: 'usage', message: 'usage: /msg <user> <text>'});
	});
});

describe('parseCommand: <text> is the rest of the line', () => {
	test('inner and trailing spaces are kept; the separating spaces go', () => {
		expect(parsed('/msg bob   hi   there  ')).toEqual({type: 'msg', to: 'bob', text: 'hi   there  '});
		expect(parsed('/broadcast  a  b ')).toEqual({type: 'broadcast', text: 'a  b '});
		expect(parsed('/group_msg dev  x  y  ')).toEqual({type: 'group_msg', group: 'dev', text: 'x  y  '});
	});

	test('text may look like a command or hold slashes and colons', () => {
		expect(parsed('/msg bob /exit')).toEqual({type: 'msg', to: 'bob', text: '/exit'});
		expect(parsed('/broadcast see http://x.y/z: ok')).toEqual({type: 'broadcast', text: 'see http://x.y/z: ok'});
	});

	test('text keeps its case; emoji and accents pass', () => {
		expect(parsed('/broadcast Héllo WÖRLD 🎉')).toEqual({type: 'broadcast', text: 'Héllo WÖRLD 🎉'});
	});

	test('control characters are stripped from text, a tab becomes a space', () => {
		expect(parsed('/broadcast \u001B[31mred\u001B[0m')).toEqual({type: 'broadcast', text: '[31mred[0m'});
		expect(parsed('/msg bob a\tb\u0007c\u009Bd')).toEqual({type: 'msg', to: 'bob', text: 'a bcd'});
		expect(parsed('/group_msg dev \u202Eevil\u202C')).toEqual({type: 'group_msg', group: 'dev', text: 'evil'});
	});

	test(`text of ${MAX_TEXT_LENGTH} characters is accepted, one more is text_too_long`, () => {
		const longest = 'x'.repeat(MAX_TEXT_LENGTH);
		expect(parsed(`/broadcast ${longest}`)).toEqual({type: 'broadcast', text: longest});
		expect(failure(`/msg bob ${longest}y`)).toEqual({code: 'text_too_long', message: `message is longer than ${MAX_TEXT_LENGTH} characters`});
		expect(failure(`/group_msg dev ${longest}y`).code).toBe('text_too_long');
	});

	test('the length limit counts the text after control characters are stripped', () => {
		const text = `${'x'.repeat(MAX_TEXT_LENGTH)}${'\u0007'.repeat(10)}`;
		expect(parsed(`/broadcast ${text}`)).toEqual({type: 'broadcast', text: 'x'.repeat(MAX_TEXT_LENGTH)});
	});
});

describe('parseCommand: case and names', () => {
	test('command names are case-insensitive', () => {
		expect(parsed('/MSG bob hi')).toEqual({type: 'msg', to: 'bob', text: 'hi'});
		expect(parsed('/Create_Group dev')).toEqual({type: 'create_group', group: 'dev'});
		expect(parsed('/EXIT')).toEqual({type: 'exit'});
	});

	test('user and group names are lower-cased', () => {
		expect(parsed('/msg BoB Hi')).toEqual({type: 'msg', to: 'bob', text: 'Hi'});
		expect(parsed('/join_group DEV-Team_2')).toEqual({type: 'join_group', group: 'dev-team_2'});
		expect(parsed('/members Dev')).toEqual({type: 'members', group: 'dev'});
	});

	test(`a name of ${MAX_NAME_LENGTH} characters is accepted, one more is invalid_name`, () => {
		const longest = 'a'.repeat(MAX_NAME_LENGTH);
		expect(parsed(`/create_group ${longest}`)).toEqual({type: 'create_group', group: longest});
		const error = failure(`/create_group ${longest}a`);
		expect(error.code).toBe('invalid_name');
		expect(error.message).toBe(`group name is longer than ${MAX_NAME_LENGTH} characters (usage: /create_group <group>)`);
		expect(failure(`/msg ${longest}a hi`).message).toMatch(/^user name is longer than/);
	});

	test('names may hold digits, _ and -, and start with a letter or a digit', () => {
		expect(parsed('/msg 7of9 hi')).toEqual({type: 'msg', to: '7of9', text: 'hi'});
		expect(parsed('/create_group a-b_c')).toEqual({type: 'create_group', group: 'a-b_c'});
	});

	test.each(['_dev', '-dev', 'dev!', 'dé', 'a.b', 'a/b', 'ДЕВ', 'dev\u0000', 'a:b', '#dev', '@bob'])('invalid name %j', name => {
		const error = failure(`/join_group ${name}`);
		expect(error.code).toBe('invalid_name');
		expect(error.message).toContain('(usage: /join_group <group>)');
		expect(failure(`/msg ${name} hi`).code).toBe('invalid_name');
	});
});

describe('parseCommand: what is not a command', () => {
	test.each(['hello', '', ' /msg bob hi', 'msg bob hi', '\\msg bob hi'])('not a command: %j', line => {
		expect(failure(line)).toEqual({code: 'not_a_command', message: 'commands start with / (try /help)'});
	});

	test('an unknown command names itself, safely', () => {
		expect(failure('/dance')).toEqual({code: 'unknown_command', message: 'unknown command /dance (try /help)'});
		expect(failure('/Dance now')).toEqual({code: 'unknown_command', message: 'unknown command /Dance (try /help)'});
		const escape = failure('/\u001B[2Jboom');
		expect(escape.code).toBe('unknown_command');
		expect(escape.message).not.toContain('\u001B');
		expect(failure(`/${'x'.repeat(200)}`).message).toBe(`unknown command /${'x'.repeat(40)} (try /help)`);
	});

	test('a bare slash is an unknown command', () => {
		expect(failure('/')).toEqual({code: 'unknown_command', message: 'missing command name after / (try /help)'});
		expect(failure('/   ')).toEqual({code: 'unknown_command', message: 'missing command name after / (try /help)'});
	});

	test('near misses are unknown (IRC\'s /join, /part and /me exist; /quit is the TUI\'s own)', () => {
		for (const line of ['/message bob hi', '/creategroup dev', '/joins dev', '/quit', '/group-msg dev hi']) {
			expect(failure(line).code).toBe('unknown_command');
		}
	});
});

describe('parseCommand: IRC habits', () => {
	test('/join and /part take a group with or without its #, in any case', () => {
		expect(parsed('/join #Ops')).toEqual({type: 'join', group: 'ops'});
		expect(parsed('/JOIN ops')).toEqual({type: 'join', group: 'ops'});
		expect(parsed('/part #ops')).toEqual({type: 'part', group: 'ops'});
		expect(failure('/join ##ops').code).toBe('invalid_name');
		expect(failure('/join #').code).toBe('invalid_name');
		expect(failure('/part a b')).toEqual({code: 'usage', message: 'usage: /part <group>'});
		// Only these two: /join_group keeps the seed's plain names.
		expect(failure('/join_group #ops').code).toBe('invalid_name');
	});

	test('/me names the conversation, then the action, spaces kept', () => {
		expect(parsed('/me #Dev waves  hello ')).toEqual({type: 'me', conversation: '#dev', text: 'waves  hello '});
		expect(parsed('/me @Bob nods')).toEqual({type: 'me', conversation: '@bob', text: 'nods'});
		expect(parsed('/me * yawns')).toEqual({type: 'me', conversation: '*', text: 'yawns'});
		expect(failure('/me waves at bob')).toEqual({code: 'bad_argument', message: 'a conversation is #group, @user or * (usage: /me <conversation> <text>)'});
		expect(failure('/me #dev')).toEqual({code: 'usage', message: 'usage: /me <conversation> <text>'});
		expect(failure('/me #d!v hi').code).toBe('invalid_name');
		expect(failure(`/me #dev ${'x'.repeat(4001)}`).code).toBe('text_too_long');
	});
});

describe('formatCommand', () => {
	const commands: Command[] = [
		{type: 'msg', to: 'bob', text: 'hi   there  '},
		{type: 'msg', to: 'bob', text: '/exit'},
		{type: 'broadcast', text: 'trailing space kept '},
		{type: 'create_group', group: 'dev'},
		{type: 'join_group', group: 'dev-team'},
		{type: 'group_msg', group: 'dev', text: 'x  y 🎉'},
		{type: 'leave_group', group: 'dev'},
		{type: 'exit'},
		{type: 'help'},
		{type: 'help', topic: 'group_msg'},
		{type: 'users'},
		{type: 'groups'},
		{type: 'groups', filter: 'dev', page: 2},
		{type: 'groups', page: 7},
		{type: 'members', group: 'dev'},
		{type: 'members', group: 'dev', page: 3},
		{type: 'sessions'},
		{type: 'logout_others'},
		{type: 'history', conversation: '#dev', before: 10, limit: 5},
		{type: 'history', conversation: '@bob', limit: 50},
		{type: 'read', conversation: '*', seq: 3},
		{type: 'join', group: 'ops'},
		{type: 'part', group: 'ops'},
		{type: 'me', conversation: '#dev', text: 'waves  at you'},
		{type: 'me', conversation: '@bob', text: 'nods'},
		{type: 'me', conversation: '*', text: 'yawns'},
	];

	test('covers every command type', () => {
		expect(new Set(commands.map(command => command.type))).toEqual(new Set(commandSpecs.map(spec => spec.name)));
	});

	test.each(commands)('round-trips %j', command => {
		expect(parsed(formatCommand(command))).toEqual(command);
	});

	test.each(['/broadcast \u0001 hi', '/broadcast \thi', '/msg bob \t\u001B  hi ', '/group_msg dev \u202E x'])('round-trips what the parser made of %j', line => {
		const command = parsed(line);
		expect(parsed(formatCommand(command))).toEqual(command);
	});

	test('normalizes a typed line: lower-case names, canonical spacing', () => {
		expect(formatCommand(parsed('/MSG  BoB  hi  '))).toBe('/msg bob hi  ');
		expect(formatCommand(parsed('/Help /MSG'))).toBe('/help msg');
	});
});

describe('commandSpecs', () => {
	test('every usage line names its command and is what a usage error prints', () => {
		for (const spec of commandSpecs) {
			expect(spec.usage.startsWith(`/${spec.name}`)).toBe(true);
			expect(commandSpec(spec.name)).toBe(spec);
			if (spec.args.length > (spec.optional ?? 0)) {
				expect(failure(`/${spec.name}`)).toEqual({code: 'usage', message: `usage: ${spec.usage}`});
			}
		}
	});

	test('a text argument is always the last one', () => {
		for (const spec of commandSpecs) {
			const textAt = spec.args.indexOf('text');
			expect(textAt === -1 || textAt === spec.args.length - 1).toBe(true);
		}
	});
});
