import {Buffer} from 'node:buffer';
import {describe, expect, it} from 'vitest';
import type {ChatMessage} from '../../../source/protocol/index.js';
import {encodeChatMessage, encodeSharedEvent} from '../../../server/net/irc/irc-events.js';
import {lineSafe, parseIrcLine, splitToBytes} from '../../../server/net/irc/irc-line.js';
import {isupportLines} from '../../../server/net/irc/irc-replies.js';

const message: ChatMessage = {type: 'group_msg', from: 'alice', group: 'dev', text: 'hi there', msgid: '01JDXYZ0000000000000000000', seq: 7, ts: '2026-11-27T12:00:00.123Z'};

describe('IRC lines', () => {
	it('parses tags, prefix, middle parameters and the trailing one', () => {
		expect(parseIrcLine('@+typing=active;label=x :bob!b@h privmsg #dev :hello  world ')).toEqual({command: 'PRIVMSG', params: ['#dev', 'hello  world '], bodyBytes: 36});
		expect(parseIrcLine('NICK   bob')).toEqual({command: 'NICK', params: ['bob'], bodyBytes: 10});
		expect(parseIrcLine('USER bob 0 * :Bob the Builder')?.params).toEqual(['bob', '0', '*', 'Bob the Builder']);
		expect(parseIrcLine('PRIVMSG #dev :')?.params).toEqual(['#dev', '']);
		expect(parseIrcLine('   ')).toBeUndefined();
		expect(parseIrcLine('@only-tags')).toBeUndefined();
	});

	it('counts the 512-byte limit without the tags', () => {
		const body = `PRIVMSG #dev :${'é'.repeat(200)}`;
		expect(parseIrcLine(`@a=${'x'.repeat(4000)} ${body}`)?.bodyBytes).toBe(Buffer.byteLength(body));
	});

	it('splits text into pieces of at most N bytes, between characters, at a space when one is near', () => {
		expect(splitToBytes('short', 10)).toEqual(['short']);
		expect(splitToBytes('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
		const emoji = '😀'.repeat(10);
		const pieces = splitToBytes(emoji, 9);
		expect(pieces.every(piece => Buffer.byteLength(piece) <= 9)).toBe(true);
		expect(pieces.join('')).toBe(emoji);
	});

	it('keeps CR, LF and NUL out of every parameter', () => {
		expect(lineSafe('a\r\nb\0c')).toBe('abc');
	});

	it('keeps every ISUPPORT line within 15 tokens', () => {
		for (const line of isupportLines) {
			expect(line.split(' ').length).toBeLessThanOrEqual(15);
		}
	});
});

describe('IRC encoding of shared events', () => {
	it('writes a message without tags, with time, or with time and msgid', () => {
		expect(encodeSharedEvent(message, 0)).toBe(':alice!alice@irc.natter PRIVMSG #dev :hi there\r\n');
		expect(encodeSharedEvent(message, 1)).toBe('@time=2026-11-27T12:00:00.123Z :alice!alice@irc.natter PRIVMSG #dev :hi there\r\n');
		expect(encodeSharedEvent(message, 2)).toBe('@time=2026-11-27T12:00:00.123Z;msgid=01JDXYZ0000000000000000000 :alice!alice@irc.natter PRIVMSG #dev :hi there\r\n');
		expect(encodeChatMessage(message, 0, 'h1')).toBe('@batch=h1 :alice!alice@irc.natter PRIVMSG #dev :hi there\r\n');
	});

	it('writes DMs to the nick, broadcasts as NOTICE $*, actions as CTCP ACTION, joins and parts', () => {
		expect(encodeSharedEvent({type: 'msg', from: 'alice', to: 'bob', text: 'psst', msgid: 'M', seq: 1, ts: 'T'}, 0)).toBe(':alice!alice@irc.natter PRIVMSG bob :psst\r\n');
		expect(encodeSharedEvent({type: 'broadcast', from: 'alice', text: 'all', msgid: 'M', seq: 1, ts: 'T'}, 0)).toBe(':alice!alice@irc.natter NOTICE $* :all\r\n');
		expect(encodeSharedEvent({...message, action: true}, 0)).toBe(':alice!alice@irc.natter PRIVMSG #dev :\u0001ACTION hi there\u0001\r\n');
		expect(encodeSharedEvent({type: 'broadcast', from: 'alice', text: 'waves', msgid: 'M', seq: 1, ts: 'T', action: true}, 0)).toBe(':alice!alice@irc.natter PRIVMSG $* :\u0001ACTION waves\u0001\r\n');
		expect(encodeSharedEvent({type: 'membership', group: 'dev', user: 'bob', joined: true, ts: 'T'}, 0)).toBe(':bob!bob@irc.natter JOIN #dev\r\n');
		expect(encodeSharedEvent({type: 'membership', group: 'dev', user: 'bob', joined: false, ts: 'T'}, 1)).toBe('@time=T :bob!bob@irc.natter PART #dev\r\n');
		// Presence (heard only by away-notify clients): going offline is AWAY, coming back is AWAY without a message.
		expect(encodeSharedEvent({type: 'presence', user: 'bob', online: false, ts: 'T'}, 1)).toBe('@time=T :bob!bob@irc.natter AWAY :offline (not connected to natter)\r\n');
		expect(encodeSharedEvent({type: 'presence', user: 'bob', online: true, ts: 'T'}, 0)).toBe(':bob!bob@irc.natter AWAY\r\n');
		expect(encodeSharedEvent({type: 'notice', text: 'x'}, 0)).toBeUndefined();
	});

	it('splits a long message into lines of at most 512 bytes, the msgid on the first only', () => {
		const long = {...message, text: 'word '.repeat(300).trim()};
		const lines = encodeSharedEvent(long, 2)!.split('\r\n').filter(Boolean);
		expect(lines.length).toBeGreaterThan(2);
		for (const line of lines) {
			expect(Buffer.byteLength(line.replace(/^@\S+ /, '')) + 2).toBeLessThanOrEqual(512);
		}

		expect(lines.filter(line => line.includes('msgid=')).length).toBe(1);
		expect(lines.map(line => line.slice(line.indexOf(' :', line.indexOf('PRIVMSG')) + 2)).join(' ')).toBe(long.text);
	});
});
