import {describe, expect, test} from 'vitest';
import {
	encodeEvent,
	isChatMessage,
	parseClientRequest,
	parseServerEvent,
	type ClientRequest,
	type ServerEvent,
} from '../../source/protocol/index.js';

function request(line: string): ClientRequest {
	const result = parseClientRequest(line);
	if (!result.ok) {
		throw new Error(`expected ${line} to be a request, got ${result.error.message}`);
	}

	return result.request;
}

function rejection(line: string) {
	const result = parseClientRequest(line);
	if (result.ok) {
		throw new Error(`expected ${line} to be rejected, got ${JSON.stringify(result.request)}`);
	}

	return result.error;
}

describe('parseClientRequest: every request type', () => {
	test('hello, with and without its optional fields', () => {
		expect(request('{"type":"hello"}')).toEqual({type: 'hello'});
		expect(request('{"type":"hello","protocol":1,"client":"natter-pipe"}')).toEqual({type: 'hello', protocol: 1, client: 'natter-pipe'});
	});

	test('hello cuts a long client name to 100 characters', () => {
		expect(request(JSON.stringify({type: 'hello', client: 'c'.repeat(500)}))).toEqual({type: 'hello', client: 'c'.repeat(100)});
	});

	test('login', () => {
		expect(request('{"type":"login","user":"alice","password":"wonderland"}')).toEqual({type: 'login', user: 'alice', password: 'wonderland'});
		expect(request('{"type":"login","id":"login","user":"alice","password":""}')).toEqual({type: 'login', id: 'login', user: 'alice', password: ''});
	});

	test('command', () => {
		expect(request('{"type":"command","id":7,"line":"/msg bob hi  "}')).toEqual({type: 'command', id: 7, line: '/msg bob hi  '});
		expect(request('{"type":"command","line":"/users"}')).toEqual({type: 'command', line: '/users'});
	});

	test('resume points in hello or login, normalized; mark_read', () => {
		expect(request('{"type":"hello","protocol":2,"resume":{"#Dev":41,"@bob":7,"*":0}}')).toEqual({type: 'hello', protocol: 2, resume: {'#dev': 41, '@bob': 7, '*': 0}});
		expect(request('{"type":"login","user":"a","password":"p","resume":{"@bob":3}}')).toEqual({type: 'login', user: 'a', password: 'p', resume: {'@bob': 3}});
		expect(request('{"type":"mark_read","id":1,"conversation":"#dev","seq":4}')).toEqual({type: 'mark_read', id: 1, conversation: '#dev', seq: 4});
		expect(request('{"type":"mark_read","conversation":"*"}')).toEqual({type: 'mark_read', conversation: '*'});
	});

	test('bad resume points and mark_read are refused with the reason', () => {
		expect(rejection('{"type":"hello","resume":[1]}')).toMatchObject({code: 'bad_request', message: expect.stringContaining('"resume" must be an object')});
		expect(rejection('{"type":"hello","resume":{"dev":1}}')).toMatchObject({message: expect.stringContaining('#group, @user or *')});
		expect(rejection('{"type":"hello","resume":{"#dev":-1}}')).toMatchObject({message: '"resume" seq for #dev must be a whole number >= 0'});
		expect(rejection('{"type":"hello","resume":{"#dev":1.5}}')).toMatchObject({message: '"resume" seq for #dev must be a whole number >= 0'});
		const many = Object.fromEntries(Array.from({length: 1001}, (_, index) => [`#g${index}`, 1]));
		expect(rejection(JSON.stringify({type: 'login', user: 'a', password: 'b', resume: many}))).toMatchObject({message: '"resume" may name at most 1000 conversations'});
		expect(rejection('{"type":"mark_read","id":2}')).toMatchObject({id: 2, message: expect.stringContaining('"conversation"')});
		expect(rejection('{"type":"mark_read","conversation":"#dev","seq":"5"}')).toMatchObject({message: '"seq" must be a whole number >= 0'});
	});

	test('ping', () => {
		expect(request('{"type":"ping"}')).toEqual({type: 'ping'});
		expect(request('{"type":"ping","id":"p1"}')).toEqual({type: 'ping', id: 'p1'});
	});

	test('unknown fields are ignored and not passed on', () => {
		expect(request('{"type":"ping","id":1,"extra":{"deep":true}}')).toEqual({type: 'ping', id: 1});
		expect(request('{"type":"command","line":"/users","from":"mallory"}')).toEqual({type: 'command', line: '/users'});
	});

	test('surrounding whitespace is fine, as JSON allows', () => {
		expect(request('  {"type":"ping"}  ')).toEqual({type: 'ping'});
	});
});

describe('parseClientRequest: rejections', () => {
	test.each(['{', 'not json', '{"type":"ping",}', "{'type':'ping'}", ''])('bad JSON: %j', line => {
		expect(rejection(line)).toEqual({code: 'bad_json', message: 'not valid JSON: JSON mode takes one JSON object per line'});
	});

	test.each(['[]', '[{"type":"ping"}]', 'null', '42', '"ping"', 'true'])('not an object: %s', line => {
		expect(rejection(line)).toEqual({code: 'bad_request', message: 'a request is a JSON object with a "type" field'});
	});

	test.each(['{}', '{"type":"shout"}', '{"type":7}', '{"type":"PING"}', '{"line":"/users"}'])('missing or unknown type: %s', line => {
		expect(rejection(line)).toMatchObject({code: 'bad_request', message: '"type" must be one of hello, login, command, mark_read, ping'});
	});

	test.each([
		['an object', '{"type":"ping","id":{}}'],
		['an array', '{"type":"ping","id":[1]}'],
		['null', '{"type":"ping","id":null}'],
		['a boolean', '{"type":"ping","id":true}'],
		['too long a string', JSON.stringify({type: 'ping', id: 'x'.repeat(65)})],
	])('bad id: %s', (_what, line) => {
		const error = rejection(line);
		expect(error.code).toBe('bad_request');
		expect(error.message).toBe('"id" must be a number or a string of at most 64 characters');
		expect(error.id).toBeUndefined();
	});

	test('an id of 64 characters, a negative or fractional number, and 0 are fine', () => {
		expect(request(JSON.stringify({type: 'ping', id: 'x'.repeat(64)}))).toEqual({type: 'ping', id: 'x'.repeat(64)});
		expect(request('{"type":"ping","id":-1.5}')).toEqual({type: 'ping', id: -1.5});
		expect(request('{"type":"ping","id":0}')).toEqual({type: 'ping', id: 0});
	});

	test('a number too big for a double (Infinity after parsing) is a bad id', () => {
		expect(rejection('{"type":"ping","id":1e999}').code).toBe('bad_request');
	});

	test.each([
		['login without password', '{"type":"login","id":1,"user":"alice"}', 'login needs string fields "user" and "password"'],
		['login without user', '{"type":"login","id":1,"password":"x"}', 'login needs string fields "user" and "password"'],
		['login with a number password', '{"type":"login","id":1,"user":"alice","password":123}', 'login needs string fields "user" and "password"'],
		['command without line', '{"type":"command","id":1}', 'command needs a string field "line", such as "/users"'],
		['command with a non-string line', '{"type":"command","id":1,"line":["/users"]}', 'command needs a string field "line", such as "/users"'],
	])('missing or mistyped fields: %s (the id is echoed)', (_what, line, message) => {
		expect(rejection(line)).toEqual({code: 'bad_request', message, id: 1});
	});

	test('missing fields without an id: no id in the error', () => {
		expect(rejection('{"type":"command"}')).toEqual({code: 'bad_request', message: 'command needs a string field "line", such as "/users"'});
	});

	test('hello with mistyped optional fields', () => {
		expect(rejection('{"type":"hello","protocol":"1"}')).toMatchObject({code: 'bad_request', message: '"protocol" must be a number'});
		expect(rejection('{"type":"hello","client":5}')).toMatchObject({code: 'bad_request', message: '"client" must be a string'});
	});
});

describe('parseServerEvent', () => {
	const events: ServerEvent[] = [
		{type: 'welcome', protocol: 2, server: 'natter', version: '0.1.0'},
		{type: 'login_ok', id: 'login', user: 'alice', text: 'welcome alice'},
		{type: 'ok', id: 3, command: 'msg', text: 'sent', message: {type: 'msg', msgid: '01JD0000000000000000000000', seq: 1, ts: '2026-01-01T00:00:00.000Z', from: 'alice', to: 'bob', text: 'hi'}, recipients: 1},
		{type: 'ok', command: 'groups', text: '1 group', groups: [{name: 'dev', members: 2, joined: true}]},
		{type: 'error', id: 4, code: 'mailbox_full', message: 'bob is offline and already has 1000 messages waiting', command: 'msg'},
		{type: 'msg', msgid: '01JD0000000000000000000000', seq: 1, ts: '2026-01-01T00:00:00.000Z', from: 'alice', to: 'bob', text: 'hi'},
		{type: 'broadcast', msgid: '01JD0000000000000000000000', seq: 1, ts: '2026-01-01T00:00:00.000Z', from: 'alice', text: 'hey'},
		{type: 'group_msg', msgid: '01JD0000000000000000000000', seq: 1, ts: '2026-01-01T00:00:00.000Z', from: 'alice', group: 'dev', text: 'yo'},
		{type: 'presence', user: 'bob', online: true, ts: '2026-01-01T00:00:00.000Z'},
		{type: 'membership', group: 'dev', user: 'bob', joined: false, ts: '2026-01-01T00:00:00.000Z'},
		{type: 'notice', text: 'server restarts at noon'},
		{type: 'pong', id: 9, ts: '2026-01-01T00:00:00.000Z'},
		{type: 'bye', reason: 'shutdown', text: 'the server is shutting down'},
		{type: 'gap', conversation: '#dev', after: 3, before: 1004, skipped: 1000},
		{type: 'resumed', messages: 12, gaps: 1},
		{type: 'read', conversation: '@bob', seq: 7},
		{type: 'ok', id: 5, command: 'history', text: '1 message of #dev', conversation: '#dev', messages: [{type: 'group_msg', msgid: '01JD0000000000000000000000', seq: 1, ts: '2026-01-01T00:00:00.000Z', from: 'alice', group: 'dev', text: 'yo'}], more: false},
	];

	test.each(events)('reads back what encodeEvent wrote: $type', event => {
		const encoded = encodeEvent(event);
		expect(encoded.endsWith('\n')).toBe(true);
		expect(encoded.indexOf('\n')).toBe(encoded.length - 1);
		expect(parseServerEvent(encoded.slice(0, -1))).toEqual(event);
	});

	test.each([
		['the text-mode greeting', 'natter 0.1.0, protocol 2. Log in, or send a JSON object for JSON mode.'],
		['the Username prompt', 'Username: '],
		['an empty line', ''],
		['JSON that is not an object', '[{"type":"ok"}]'],
		['an object without a type', '{"text":"hi"}'],
		['an unknown type', '{"type":"shout","text":"hi"}'],
		['a non-string type', '{"type":1}'],
		['broken JSON', '{"type":"ok"'],
		['null', 'null'],
		['leading space', ' {"type":"notice","text":"x"}'],
	])('gives undefined for %s', (_what, line) => {
		expect(parseServerEvent(line)).toBeUndefined();
	});

	test('isChatMessage is true for the three message types only', () => {
		expect(events.filter(event => isChatMessage(event)).map(event => event.type)).toEqual(['msg', 'broadcast', 'group_msg']);
	});

	test('encodeEvent escapes newlines inside text, so one event stays one line', () => {
		const encoded = encodeEvent({type: 'notice', text: 'a\nb\r\nc\u2028d'});
		expect(encoded.split('\n')).toHaveLength(2);
		expect(parseServerEvent(encoded.trimEnd())).toEqual({type: 'notice', text: 'a\nb\r\nc\u2028d'});
	});
});
