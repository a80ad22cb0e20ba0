import {expect, it} from 'vitest';
import type {ChatStore} from '../../../server/core/store.js';
import {BROADCAST_ID, dmConversationId} from '../../../server/core/store.js';
import {broadcastMsg, dm, groupMsg} from './helpers.js';

const ab = dmConversationId('alice', 'bob');

/** Appends `count` messages to #g (created by alice), one turn each batch of 25. */
export async function fill(chat: ChatStore, count: number, group = 'g'): Promise<void> {
	for (let start = 0; start < count; start += 25) {
		const turn = [];
		for (let i = start; i < Math.min(count, start + 25); i++) {
			turn.push(chat.append(`#${group}`, groupMsg(group, 'alice', `m${i + 1}`)));
		}

		// eslint-disable-next-line no-await-in-loop
		await Promise.all(turn);
	}
}

/**
The ChatStore contract every store keeps (call inside a `describe`): `store()` opens a fresh,
empty store that the caller closes after the test. Retention and failures differ per store and
are tested beside each store.
*/
export function chatStoreContract(store: () => Promise<ChatStore>): void {
	it('gives seq 1, 2, 3… per conversation in call order and keeps the msgid', async () => {
		const chat = await store();
		const first = dm('alice', 'bob');
		const results = await Promise.all([
			chat.append(ab, first),
			chat.append(ab, dm('bob', 'alice')),
			chat.append(BROADCAST_ID, broadcastMsg('carol')),
			chat.append(ab, dm('alice', 'bob')),
		]);
		expect(results.map(result => (result.ok ? result.message.seq : -1))).toEqual([1, 2, 1, 3]);
		expect(results[0]).toEqual({ok: true, message: {...first, seq: 1}});
		expect(await chat.lastSeq(ab)).toBe(3);
		expect(await chat.lastSeq(BROADCAST_ID)).toBe(1);
		expect(await chat.lastSeq('#nothing')).toBe(0);
	});

	it('lets a read see a write called before it, before the write resolves', async () => {
		const chat = await store();
		const pending = chat.append(ab, dm('alice', 'bob', 'early'));
		const created = chat.createGroup('g', 'alice');
		expect(await chat.lastSeq(ab)).toBe(1);
		expect((await chat.history(ab, {limit: 10})).messages.map(message => message.text)).toEqual(['early']);
		expect(await chat.members('g')).toEqual(new Set(['alice']));
		await Promise.all([pending, created]);
	});

	it('pages history: newest first page, before, after, between, and more', async () => {
		const chat = await store();
		await fill(chat, 30);
		const texts = (page: {messages: ReadonlyArray<{text: string}>}) => page.messages.map(message => message.text);
		const newest = await chat.history('#g', {limit: 5});
		expect(texts(newest)).toEqual(['m26', 'm27', 'm28', 'm29', 'm30']);
		expect(newest.more).toBe(true);
		const older = await chat.history('#g', {before: 26, limit: 5});
		expect(older.messages.map(message => message.seq)).toEqual([21, 22, 23, 24, 25]);
		expect(older.more).toBe(true);
		const oldest = await chat.history('#g', {before: 4, limit: 5});
		expect(oldest.messages.map(message => message.seq)).toEqual([1, 2, 3]);
		expect(oldest.more).toBe(false);
		const after = await chat.history('#g', {after: 10, limit: 3});
		expect(after.messages.map(message => message.seq)).toEqual([11, 12, 13]);
		expect(after.more).toBe(true);
		const tail = await chat.history('#g', {after: 27, limit: 10});
		expect(tail.messages.map(message => message.seq)).toEqual([28, 29, 30]);
		expect(tail.more).toBe(false);
		const between = await chat.history('#g', {after: 5, before: 9, limit: 10});
		expect(between.messages.map(message => message.seq)).toEqual([6, 7, 8]);
		expect(between.more).toBe(false);
		expect(await chat.history('#g', {after: 30, limit: 10})).toEqual({messages: [], more: false});
		const all = await chat.history('#g', {limit: 1000});
		expect(all.messages).toHaveLength(30);
		expect(all.more).toBe(false);
		expect(all.messages[0]).toMatchObject({type: 'group_msg', group: 'g', from: 'alice', seq: 1, text: 'm1'});
	});

	it('gives an empty page for a conversation with no messages', async () => {
		const chat = await store();
		expect(await chat.history('#nowhere', {limit: 10})).toEqual({messages: [], more: false});
		expect(await chat.history('@a,b', {after: 3, limit: 10})).toEqual({messages: [], more: false});
	});

	it('keeps DMs and broadcasts whole', async () => {
		const chat = await store();
		const sent = dm('bob', 'alice', 'yo');
		const cast = broadcastMsg('carol', 'all');
		await chat.append(ab, sent);
		await chat.append(BROADCAST_ID, cast);
		expect((await chat.history(ab, {limit: 1})).messages).toEqual([{...sent, seq: 1}]);
		expect((await chat.history(BROADCAST_ID, {limit: 1})).messages).toEqual([{...cast, seq: 1}]);
	});

	it('creates groups and changes members', async () => {
		const chat = await store();
		expect(await chat.createGroup('g', 'alice')).toBe(true);
		expect(await chat.createGroup('g', 'bob')).toBe(false);
		expect(await chat.addMember('g', 'bob')).toBe('added');
		expect(await chat.addMember('g', 'bob')).toBe('already_member');
		expect(await chat.addMember('h', 'bob')).toBe('no_such_group');
		expect(await chat.createGroup('h', 'bob')).toBe(true);
		const before = await chat.members('g');
		expect(await chat.removeMember('g', 'carol')).toBe('not_member');
		expect(await chat.removeMember('x', 'carol')).toBe('no_such_group');
		expect(await chat.removeMember('g', 'alice')).toBe('removed');
		expect(before).toEqual(new Set(['alice', 'bob']));
		expect(await chat.members('g')).toEqual(new Set(['bob']));
		expect(await chat.members('x')).toBeUndefined();
		expect((await chat.groupsOf('bob')).toSorted()).toEqual(['g', 'h']);
		expect(await chat.groupsOf('alice')).toEqual([]);
		const groups = await chat.groups();
		expect(groups.map(group => [group.name, [...group.members]]).toSorted()).toEqual([['g', ['bob']], ['h', ['bob']]]);
	});

	it('drops a group with its last member, and a new group of that name goes on numbering', async () => {
		const chat = await store();
		expect(await chat.firstKeptSeq('#g')).toBeUndefined();
		await chat.createGroup('g', 'alice');
		await fill(chat, 5);
		expect(await chat.firstKeptSeq('#g')).toBe(1);
		expect(await chat.removeMember('g', 'alice')).toBe('removed_group');
		expect(await chat.members('g')).toBeUndefined();
		expect(await chat.groups()).toEqual([]);
		expect(await chat.lastSeq('#g')).toBe(5);
		expect(await chat.firstKeptSeq('#g')).toBeUndefined();
		expect(await chat.history('#g', {limit: 10})).toEqual({messages: [], more: false});
		await chat.createGroup('g', 'bob');
		const next = await chat.append('#g', groupMsg('g', 'bob', 'again'));
		expect(next.ok && next.message.seq).toBe(6);
		expect(await chat.firstKeptSeq('#g')).toBe(6);
		expect(await chat.history('#g', {limit: 10})).toEqual({messages: [next.ok && next.message], more: false});
		expect(await chat.history('#g', {before: 6, limit: 10})).toEqual({messages: [], more: false});
	});

	it('moves read markers only forward and never past the last seq', async () => {
		const chat = await store();
		await chat.append(ab, dm('alice', 'bob'));
		await chat.append(ab, dm('alice', 'bob'));
		await chat.append(ab, dm('bob', 'alice'));
		expect(await chat.markRead('bob', ab, 2)).toBe(2);
		expect(await chat.markRead('bob', ab, 1)).toBe(2);
		expect(await chat.markRead('bob', ab, 99)).toBe(3);
		expect(await chat.markRead('bob', '#none', 5)).toBe(0);
		expect(await chat.readMarkers('bob')).toEqual(new Map([[ab, 3]]));
		expect(await chat.readMarkers('alice')).toEqual(new Map());
	});

	it('lists DM partners, most recently active first', async () => {
		const chat = await store();
		await chat.append(ab, dm('alice', 'bob'));
		await chat.append(dmConversationId('alice', 'carol'), dm('carol', 'alice'));
		await chat.append(dmConversationId('alice', 'dave'), dm('alice', 'dave'));
		await chat.append(ab, dm('bob', 'alice'));
		await chat.append(dmConversationId('bob', 'carol'), dm('bob', 'carol'));
		expect(await chat.dmPartners('alice', 10)).toEqual([
			{partner: 'bob', conversation: ab, lastSeq: 2},
			{partner: 'dave', conversation: '@alice,dave', lastSeq: 1},
			{partner: 'carol', conversation: '@alice,carol', lastSeq: 1},
		]);
		expect((await chat.dmPartners('alice', 2)).map(partner => partner.partner)).toEqual(['bob', 'dave']);
		expect((await chat.dmPartners('carol', 10)).map(partner => partner.partner)).toEqual(['bob', 'alice']);
		expect(await chat.dmPartners('erin', 10)).toEqual([]);
	});

	it('keeps undelivered DMs up to the mailbox cap, oldest first', async () => {
		const chat = await store();
		const first = await chat.append(ab, dm('alice', 'bob', 'one'), {undeliveredTo: 'bob', mailboxCap: 2});
		const second = await chat.append(ab, dm('alice', 'bob', 'two'), {undeliveredTo: 'bob', mailboxCap: 2});
		const third = await chat.append(ab, dm('alice', 'bob', 'three'), {undeliveredTo: 'bob', mailboxCap: 2});
		expect(third).toEqual({ok: false, reason: 'mailbox_full'});
		expect(await chat.lastSeq(ab)).toBe(2);
		expect(await chat.undeliveredCount('bob')).toBe(2);
		const waiting = await chat.undelivered('bob');
		expect(waiting.map(message => message.text)).toEqual(['one', 'two']);
		expect(first.ok && second.ok && waiting).toEqual([first.ok && first.message, second.ok && second.message]);
		await chat.markDelivered('bob', waiting.slice(0, 1));
		expect((await chat.undelivered('bob')).map(message => message.text)).toEqual(['two']);
		const fourth = await chat.append(ab, dm('alice', 'bob', 'four'), {undeliveredTo: 'bob', mailboxCap: 2});
		expect(fourth.ok && fourth.message.seq).toBe(3);
		await chat.markDelivered('bob', await chat.undelivered('bob'));
		expect(await chat.undeliveredCount('bob')).toBe(0);
		expect(await chat.undelivered('bob')).toEqual([]);
		const unlimited = await Promise.all(Array.from({length: 5}, async () => chat.append(ab, dm('alice', 'bob'), {undeliveredTo: 'bob'})));
		expect(unlimited.every(result => result.ok)).toBe(true);
		expect(await chat.undeliveredCount('bob')).toBe(5);
	});

	it('keeps at most senderShare undelivered DMs from one sender, leaving room for the others', async () => {
		const chat = await store();
		const cb = dmConversationId('carol', 'bob');
		const options = {undeliveredTo: 'bob', mailboxCap: 10, senderShare: 2};
		expect((await chat.append(ab, dm('alice', 'bob', 'a1'), options)).ok).toBe(true);
		expect((await chat.append(cb, dm('carol', 'bob', 'c1'), options)).ok).toBe(true);
		expect((await chat.append(ab, dm('alice', 'bob', 'a2'), options)).ok).toBe(true);
		expect(await chat.append(ab, dm('alice', 'bob', 'a3'), options)).toEqual({ok: false, reason: 'sender_share_full'});
		expect((await chat.append(cb, dm('carol', 'bob', 'c2'), options)).ok).toBe(true);
		expect(await chat.lastSeq(ab)).toBe(2);
		expect((await chat.undelivered('bob')).map(message => message.text)).toEqual(['a1', 'c1', 'a2', 'c2']);
	});

	it('forgets a user: groups left, DMs dropped for both partners with their seqs kept, markers and undelivered gone', async () => {
		const chat = await store();
		const ad = dmConversationId('alice', 'dave');
		const de = dmConversationId('dave', 'erin');
		await chat.createGroup('solo', 'dave');
		await chat.createGroup('g', 'alice');
		await chat.addMember('g', 'dave');
		await chat.append('#solo', groupMsg('solo', 'dave'));
		await chat.append('#g', groupMsg('g', 'dave'));
		await chat.append(ad, dm('alice', 'dave'), {undeliveredTo: 'dave'});
		await chat.append(ad, dm('dave', 'alice', 'for alice'), {undeliveredTo: 'alice'});
		await chat.append(ab, dm('bob', 'alice', 'from bob'), {undeliveredTo: 'alice'});
		await chat.append(de, dm('erin', 'dave'));
		await chat.append(de, dm('dave', 'erin'));
		await chat.append(de, dm('dave', 'erin'), {undeliveredTo: 'erin'});
		await chat.markRead('dave', '#g', 1);
		await chat.markRead('dave', ad, 2);
		await chat.markRead('alice', ad, 2);

		const forgotten = chat.forgetUser('dave');
		// Reads see it before it resolves.
		expect(await chat.groupsOf('dave')).toEqual([]);
		await forgotten;
		expect(await chat.members('solo')).toBeUndefined();
		expect(await chat.members('g')).toEqual(new Set(['alice']));
		expect((await chat.groups()).map(group => group.name)).toEqual(['g']);
		expect(await chat.lastSeq('#solo')).toBe(1);
		expect(await chat.history('#solo', {limit: 10})).toEqual({messages: [], more: false});
		// His messages in a group that goes on stay: they are the group's.
		expect((await chat.history('#g', {limit: 10})).messages).toHaveLength(1);
		expect(await chat.history(ad, {limit: 10})).toEqual({messages: [], more: false});
		expect(await chat.history(de, {limit: 10})).toEqual({messages: [], more: false});
		expect(await chat.lastSeq(ad)).toBe(2);
		expect(await chat.lastSeq(de)).toBe(3);
		expect(await chat.dmPartners('alice', 10)).toEqual([{partner: 'bob', conversation: ab, lastSeq: 1}]);
		expect(await chat.dmPartners('erin', 10)).toEqual([]);
		expect(await chat.dmPartners('dave', 10)).toEqual([]);
		expect(await chat.readMarkers('dave')).toEqual(new Map());
		expect(await chat.readMarkers('alice')).toEqual(new Map([[ad, 2]]));
		expect(await chat.undelivered('dave')).toEqual([]);
		expect(await chat.undeliveredCount('dave')).toBe(0);
		expect((await chat.undelivered('alice')).map(message => message.text)).toEqual(['from bob']);
		expect(await chat.undelivered('erin')).toEqual([]);

		// A new dave starts from nothing, and the numbering goes on.
		const next = await chat.append(ad, dm('alice', 'dave', 'hello new dave'));
		expect(next.ok && next.message.seq).toBe(3);
		expect(await chat.history(ad, {limit: 10})).toEqual({messages: [next.ok && next.message], more: false});
		expect(await chat.history(ad, {before: 3, limit: 10})).toEqual({messages: [], more: false});
		expect((await chat.dmPartners('alice', 10)).map(partner => partner.partner)).toEqual(['dave', 'bob']);
		expect(await chat.dmPartners('dave', 10)).toEqual([{partner: 'alice', conversation: ad, lastSeq: 3}]);
		expect(await chat.createGroup('solo', 'dave')).toBe(true);
		const again = await chat.append('#solo', groupMsg('solo', 'dave'));
		expect(again.ok && again.message.seq).toBe(2);
		// Forgetting someone unknown, or twice, changes nothing else.
		await chat.forgetUser('nobody');
		expect((await chat.undelivered('alice')).map(message => message.text)).toEqual(['from bob']);
	});

	it('forgets a user in call order with the writes around it', async () => {
		const chat = await store();
		const ad = dmConversationId('alice', 'dave');
		const before = chat.append(ad, dm('alice', 'dave', 'before'));
		const forgotten = chat.forgetUser('dave');
		const after = chat.append(ad, dm('alice', 'dave', 'after'));
		const [first, , second] = await Promise.all([before, forgotten, after]);
		expect(first.ok && first.message.seq).toBe(1);
		expect(second.ok && second.message.seq).toBe(2);
		expect((await chat.history(ad, {limit: 10})).messages.map(message => message.text)).toEqual(['after']);
		expect(await chat.dmPartners('alice', 10)).toEqual([{partner: 'dave', conversation: ad, lastSeq: 2}]);
	});
}
