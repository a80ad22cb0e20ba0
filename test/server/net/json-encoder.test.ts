import {describe, expect, it} from 'vitest';
import type {ChatMessage, ServerEvent} from '../../../source/protocol/index.js';
import {jsonEncoder} from '../../../server/net/json-dialect.js';

const decode = (event: ServerEvent): unknown => JSON.parse(jsonEncoder.encode(event).toString('utf8'));

function message(text: string): ChatMessage {
	return {type: 'msg', msgid: '01JDZZZZZZZZZZZZZZZZZZZZZZ', seq: 7, ts: '2026-11-27T17:00:00.000Z', from: 'alice', to: 'bob', text};
}

describe('the JSON encoder', () => {
	it('gives the sender\'s ok the same message the recipient got, whether or not it was delivered first', () => {
		const delivered = message('hi "bob" \\ ünïcode 👍🏽');
		const deliveredLine = jsonEncoder.encode(delivered).toString('utf8');
		expect(deliveredLine.endsWith('\n')).toBe(true);
		expect(deliveredLine.slice(0, -1)).not.toContain('\n');
		const ok: ServerEvent = {type: 'ok', command: 'msg', text: 'sent to bob', message: delivered, recipients: 1, id: 'req-1'};
		expect(decode(ok)).toEqual({type: 'ok', command: 'msg', text: 'sent to bob', message: JSON.parse(deliveredLine), recipients: 1, id: 'req-1'});

		const undelivered = message('nobody online saw this');
		const okAlone: ServerEvent = {type: 'ok', command: 'msg', text: 'sent to bob', message: undelivered, recipients: 0};
		expect(decode(okAlone)).toEqual({type: 'ok', command: 'msg', text: 'sent to bob', message: {...undelivered}, recipients: 0});
	});
});
