import type {ConversationName} from '../../../source/protocol/index.js';
import {ChatHistoryQuery, conversationOf, HistoryFailure} from './irc-chathistory.js';
import {ircLine, middleSafe, SERVER_NAME} from './irc-line.js';
import type {QueryHost} from './irc-queries.js';

/** A natter conversation as an IRC target: `#group`, the partner's nick, or `$*` (the broadcasts). */
export function targetOf(conversation: ConversationName): string {
	if (conversation === '*') {
		return '$*';
	}

	return conversation.startsWith('@') ? conversation.slice(1) : conversation;
}

function fail(code: string, context: readonly string[], text: string): string {
	return ircLine(SERVER_NAME, 'FAIL', ['MARKREAD', code, ...context.map(word => middleSafe(word).slice(0, 64))], text);
}

/** The user's read marker (a seq) in `conversation`, unmoved: `/read` to seq 0 only reads it. */
async function currentMarker(host: QueryHost, conversation: ConversationName): Promise<number | undefined> {
	const reply = await host.run({type: 'read', conversation, seq: 0});
	return reply.type === 'ok' && reply.command === 'read' ? reply.seq : undefined;
}

/**
`MARKREAD <target> timestamp=…` (or `*`, nothing read) for the marker at `seq`, or at the user's
current marker when `seq` is not given. natter's markers are seqs; IRC's are the time of the last
message read, so the line carries the timestamp of the message at the marker.
*/
export async function markerLine(host: QueryHost, conversation: ConversationName, seq?: number): Promise<string> {
	const at = seq ?? await currentMarker(host, conversation) ?? 0;
	const message = at > 0 ? (await new ChatHistoryQuery(host, conversation).page({before: at + 1, limit: 1}).catch(() => [])).at(-1) : undefined;
	return ircLine(SERVER_NAME, 'MARKREAD', [targetOf(conversation), message ? `timestamp=${message.ts}` : '*']);
}

/**
IRCv3 draft/read-marker: `MARKREAD <target>` asks where the marker is; `MARKREAD <target>
timestamp=T` moves it (forward only, as `/read`) to the last message sent at or before T. The
answer is the marker afterwards; the user's other sessions hear it as natter's `read` event.
*/
export async function markreadReply(host: QueryHost, params: readonly string[]): Promise<string> {
	const [target, reference] = params;
	if (target === undefined || target === '') {
		return fail('NEED_MORE_PARAMS', [], 'MARKREAD <target> [timestamp=…]');
	}

	const conversation = conversationOf(target);
	if (conversation === undefined) {
		return fail('INVALID_PARAMS', [target], 'not a channel or nick natter knows');
	}

	if (reference === undefined) {
		const seq = await currentMarker(host, conversation);
		return seq === undefined ? fail('INVALID_PARAMS', [target], 'you cannot read that conversation') : markerLine(host, conversation, seq);
	}

	const time = reference.startsWith('timestamp=') ? new Date(reference.slice(10)) : undefined;
	if (time === undefined || Number.isNaN(time.getTime())) {
		return fail('INVALID_PARAMS', [target, reference], 'the marker is timestamp=YYYY-MM-DDThh:mm:ss.sssZ');
	}

	let seq: number;
	try {
		seq = await new ChatHistoryQuery(host, conversation).seqOf({kind: 'timestamp', value: time.toISOString()}, false) - 1;
	} catch (error) {
		if (error instanceof HistoryFailure) {
			return fail('INVALID_PARAMS', [target], error.message);
		}

		throw error;
	}

	const reply = await host.run({type: 'read', conversation, seq});
	if (reply.type !== 'ok' || reply.command !== 'read') {
		return fail('INVALID_PARAMS', [target], reply.type === 'error' ? reply.message : 'the marker did not move');
	}

	return markerLine(host, conversation, reply.seq);
}
