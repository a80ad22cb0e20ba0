import {Buffer} from 'node:buffer';
import {MAX_HISTORY_REPLY_BYTES, type ChatMessage} from '../../../source/protocol/index.js';
import {plural, type Handler} from '../context.js';
import {isResolved, resolveReadable} from '../conversations.js';

/** Keeps the page under MAX_HISTORY_REPLY_BYTES of text, dropping from the far end of the paging direction. */
function trimToBytes(messages: readonly ChatMessage[], newestFirst: boolean): {messages: readonly ChatMessage[]; trimmed: boolean} {
	let bytes = 0;
	const order = newestFirst ? [...messages].reverse() : messages;
	let kept = 0;
	for (const message of order) {
		bytes += Buffer.byteLength(message.text) + 200;
		if (kept > 0 && bytes > MAX_HISTORY_REPLY_BYTES) {
			break;
		}

		kept++;
	}

	if (kept === messages.length) {
		return {messages, trimmed: false};
	}

	return {messages: newestFirst ? messages.slice(messages.length - kept) : messages.slice(0, kept), trimmed: true};
}

/** `/history <conversation> [before <seq>|after <seq>] [N]`: members and partners only. */
export const history: Handler<{type: 'history'; conversation: string; before?: number; after?: number; limit: number}> = async (context, session, command) => {
	const conversation = await resolveReadable(context, session.user, command.conversation, 'history');
	if (!isResolved(conversation)) {
		return conversation;
	}

	const page = await context.store.history(conversation.id, {
		limit: command.limit,
		...(command.before === undefined ? {} : {before: command.before}),
		...(command.after === undefined ? {} : {after: command.after}),
	});
	const {messages, trimmed} = trimToBytes(page.messages, command.after === undefined);
	const more = page.more || trimmed;
	const range = messages.length === 0 ? '' : (messages.length === 1 ? ` (seq ${messages[0]!.seq})` : ` (seq ${messages[0]!.seq}–${messages.at(-1)!.seq})`);
	const text = messages.length === 0
		? `no messages in ${conversation.name}${command.before === undefined && command.after === undefined ? ' yet' : ' there'}`
		: `${plural(messages.length, 'message')} of ${conversation.name}${range}${more ? `; more with /history ${conversation.name} ${command.after === undefined ? `before ${messages[0]!.seq}` : `after ${messages.at(-1)!.seq}`}` : ''}`;
	return {type: 'ok', command: 'history', text, conversation: conversation.name, messages, more};
};

/** `/read <conversation> [seq]`: the marker only moves forward; the user's other sessions hear where it is. */
export const read: Handler<{type: 'read'; conversation: string; seq?: number}> = async (context, session, command) => {
	const conversation = await resolveReadable(context, session.user, command.conversation, 'read');
	if (!isResolved(conversation)) {
		return conversation;
	}

	const {store} = context;
	const target = command.seq ?? await store.lastSeq(conversation.id);
	const previous = (await store.readMarkers(session.user)).get(conversation.id) ?? 0;
	const seq = await store.markRead(session.user, conversation.id, target);
	if (seq !== previous) {
		context.router.publish({kind: 'user', user: session.user, except: session}, {type: 'read', conversation: conversation.name, seq});
	}

	let text = `${conversation.name} read up to ${seq}`;
	if (command.seq !== undefined && command.seq < seq) {
		text = `${conversation.name} was already read up to ${seq}`;
	} else if (seq < target) {
		text = `${conversation.name} read up to ${seq}, its newest message`;
	}

	return {type: 'ok', command: 'read', text, conversation: conversation.name, seq};
};

