import {nameProblem, type ChatMessage, type ConversationName} from '../../../source/protocol/index.js';
import {encodeChatMessage, type TagMode} from './irc-events.js';
import {ircLine, lineSafe, SERVER_NAME} from './irc-line.js';
import type {QueryHost} from './irc-queries.js';

/** The most messages one CHATHISTORY answer holds (ISUPPORT `CHATHISTORY=100`). */
export const CHATHISTORY_LIMIT = 100;

type Reference =
	| {readonly kind: 'none'}
	| {readonly kind: 'msgid'; readonly value: string}
	| {readonly kind: 'timestamp'; readonly value: string};

/** How the answer is framed: as a `batch` when the client took that capability. `conversations`: the user's groups and DM partners, for TARGETS. */
export type HistoryFraming = {readonly mode: TagMode; readonly batch: boolean; readonly nextBatchId: () => string; readonly conversations: () => Iterable<ConversationName>};

function parseReference(text: string | undefined): Reference | undefined {
	if (text === '*') {
		return {kind: 'none'};
	}

	if (text?.startsWith('msgid=') === true && text.length > 6) {
		return {kind: 'msgid', value: text.slice(6)};
	}

	if (text?.startsWith('timestamp=') === true) {
		const time = new Date(text.slice(10));
		return Number.isNaN(time.getTime()) ? undefined : {kind: 'timestamp', value: time.toISOString()};
	}

	return undefined;
}

/** `#group`, a nick (the DM with them) or `$*` (the broadcasts) as natter's conversation name. */
export function conversationOf(target: string): ConversationName | undefined {
	if (target === '$*' || target === '*') {
		return '*';
	}

	if (target.startsWith('#')) {
		return nameProblem(target.slice(1), 'group') === undefined ? target.toLowerCase() : undefined;
	}

	return nameProblem(target, 'user') === undefined ? `@${target.toLowerCase()}` : undefined;
}

export class HistoryFailure extends Error {}

/** A msgid reference that names no message of the conversation. */
class UnknownReference extends Error {}

/**
CHATHISTORY (IRCv3 draft/chathistory) over natter's `/history`: LATEST, BEFORE, AFTER, BETWEEN and
AROUND, with `msgid=` or `timestamp=` references. natter pages by seq; a reference is turned into
a seq by a binary search over the conversation (msgids are ULIDs, so they sort by time too).
*/
export class ChatHistoryQuery {
	readonly #host: QueryHost;
	readonly #conversation: ConversationName;

	constructor(host: QueryHost, conversation: ConversationName) {
		this.#host = host;
		this.#conversation = conversation;
	}

	async page(query: {before?: number; after?: number; limit: number}): Promise<readonly ChatMessage[]> {
		const reply = await this.#host.run({type: 'history', conversation: this.#conversation, limit: query.limit, ...(query.before === undefined ? {} : {before: query.before}), ...(query.after === undefined ? {} : {after: query.after})});
		if (reply.type === 'error') {
			throw new HistoryFailure(reply.message);
		}

		return reply.type === 'ok' && reply.command === 'history' ? reply.messages : [];
	}

	async lastSeq(): Promise<number> {
		return (await this.page({limit: 1})).at(-1)?.seq ?? 0;
	}

	/** The first seq whose message passes `test` (which must be false then true along the conversation); last + 1 when none does. */
	async firstWhere(test: (message: ChatMessage) => boolean): Promise<number> {
		let low = 1;
		let high = await this.lastSeq() + 1;
		while (low < high) {
			const middle = Math.floor((low + high) / 2);
			// eslint-disable-next-line no-await-in-loop
			const probe = (await this.page({before: middle + 1, limit: 1})).at(-1);
			if (probe && test(probe)) {
				high = middle;
			} else {
				low = middle + 1;
			}
		}

		return low;
	}

	/** The first seq at (`inclusive`) or past the reference. A msgid must name a message of this conversation that is still kept. */
	async seqOf(reference: Reference, inclusive: boolean): Promise<number> {
		if (reference.kind === 'none') {
			return inclusive ? 1 : await this.lastSeq() + 1;
		}

		if (reference.kind === 'msgid') {
			const seq = await this.firstWhere(message => message.msgid >= reference.value);
			const found = (await this.page({before: seq + 1, limit: 1})).at(-1);
			if (found?.seq !== seq || found.msgid !== reference.value) {
				throw new UnknownReference(`no message msgid=${reference.value} in this conversation (or no longer kept)`);
			}

			return inclusive ? seq : seq + 1;
		}

		return this.firstWhere(message => (inclusive ? message.ts >= reference.value : message.ts > reference.value));
	}
}

async function messagesFor(query: ChatHistoryQuery, subcommand: string, references: readonly Reference[], limit: number): Promise<readonly ChatMessage[]> {
	const [first, second] = references;
	switch (subcommand) {
		case 'LATEST': {
			const newest = await query.page({limit});
			if (!first || first.kind === 'none') {
				return newest;
			}

			const after = await query.seqOf(first, false) - 1;
			return newest.filter(message => message.seq > after);
		}

		case 'BEFORE': {
			return query.page({before: await query.seqOf(first!, true), limit});
		}

		case 'AFTER': {
			return query.page({after: await query.seqOf(first!, false) - 1, limit});
		}

		case 'AROUND': {
			const middle = await query.seqOf(first!, true);
			const half = Math.floor(limit / 2);
			const [before, after] = await Promise.all([half === 0 ? [] : query.page({before: middle, limit: half}), query.page({after: middle - 1, limit: limit - half})]);
			return [...before, ...after];
		}

		default: {
			// BETWEEN: either order; the answer is oldest first, limited from the first reference's side.
			const a = await query.seqOf(first!, false);
			const b = await query.seqOf(second!, true);
			if (a <= b) {
				return (await query.page({after: a - 1, limit})).filter(message => message.seq < b);
			}

			const upper = await query.seqOf(first!, true);
			const lower = await query.seqOf(second!, false);
			return (await query.page({before: upper, limit})).filter(message => message.seq >= lower);
		}
	}
}

function fail(code: string, context: readonly string[], text: string): string {
	return ircLine(SERVER_NAME, 'FAIL', ['CHATHISTORY', code, ...context.map(word => lineSafe(word).slice(0, 64))], text);
}

/** The whole answer to one CHATHISTORY line: a batch of messages, or FAIL. */
export async function chathistoryReply(host: QueryHost, params: readonly string[], framing: HistoryFraming): Promise<string> {
	const subcommand = (params[0] ?? '').toUpperCase();
	if (subcommand === 'TARGETS') {
		return targetsReply(host, params, framing);
	}

	if (!['LATEST', 'BEFORE', 'AFTER', 'AROUND', 'BETWEEN'].includes(subcommand)) {
		return fail('INVALID_PARAMS', [subcommand || '*'], 'unknown CHATHISTORY subcommand (LATEST, BEFORE, AFTER, AROUND, BETWEEN, TARGETS)');
	}

	const target = params[1] ?? '';
	const conversation = conversationOf(target);
	if (conversation === undefined) {
		return fail('INVALID_TARGET', [subcommand, target || '*'], 'not a channel or nick natter knows');
	}

	const referenceCount = subcommand === 'BETWEEN' ? 2 : 1;
	const references = params.slice(2, 2 + referenceCount).map(text => parseReference(text));
	const limit = Number(params[2 + referenceCount]);
	const noneWhereNeeded = subcommand !== 'LATEST' && references.some(reference => reference?.kind === 'none');
	if (references.length < referenceCount || references.some(reference => reference === undefined) || noneWhereNeeded || !Number.isSafeInteger(limit) || limit < 1) {
		return fail('INVALID_PARAMS', [subcommand], `usage: CHATHISTORY ${subcommand} <target> ${subcommand === 'BETWEEN' ? '<ref> <ref>' : (subcommand === 'LATEST' ? '<*|ref>' : '<ref>')} <limit> (ref: msgid=… or timestamp=…)`);
	}

	let messages: readonly ChatMessage[];
	try {
		messages = await messagesFor(new ChatHistoryQuery(host, conversation), subcommand, references as Reference[], Math.min(limit, CHATHISTORY_LIMIT));
	} catch (error) {
		if (error instanceof HistoryFailure) {
			return fail('INVALID_TARGET', [subcommand, target], error.message);
		}

		if (error instanceof UnknownReference) {
			return fail('INVALID_PARAMS', [subcommand, target], error.message);
		}

		throw error;
	}

	if (!framing.batch) {
		return messages.map(message => encodeChatMessage(message, framing.mode)).join('');
	}

	const id = framing.nextBatchId();
	return `:${SERVER_NAME} BATCH +${id} chathistory ${target}\r\n${messages.map(message => encodeChatMessage(message, framing.mode, id)).join('')}:${SERVER_NAME} BATCH -${id}\r\n`;
}

/**
`CHATHISTORY TARGETS <timestamp=a> <timestamp=b> <limit>`: the user's channels and DM partners whose
latest message falls between a and b, oldest first, each with that message's time. The list is the
conversations of the user's login plus those joined or messaged since; each costs one one-message
history read. Broadcasts (`$*`) are not a target clients open, so they are left out.
*/
async function targetsReply(host: QueryHost, params: readonly string[], framing: HistoryFraming): Promise<string> {
	const [from, to] = [parseReference(params[1]), parseReference(params[2])];
	const limit = Number(params[3]);
	if (from?.kind !== 'timestamp' || to?.kind !== 'timestamp' || !Number.isSafeInteger(limit) || limit < 1) {
		return fail('INVALID_PARAMS', ['TARGETS'], 'usage: CHATHISTORY TARGETS timestamp=… timestamp=… <limit>');
	}

	const [low, high] = from.value <= to.value ? [from.value, to.value] : [to.value, from.value];
	const latest = await Promise.all([...framing.conversations()].filter(conversation => conversation !== '*').map(async conversation => {
		const newest = await new ChatHistoryQuery(host, conversation).page({limit: 1}).catch(() => []);
		return {conversation, ts: newest.at(-1)?.ts};
	}));
	const inRange = latest.filter((entry): entry is {conversation: ConversationName; ts: string} => entry.ts !== undefined && entry.ts >= low && entry.ts <= high)
		.sort((a, b) => (a.ts < b.ts ? -1 : (a.ts > b.ts ? 1 : 0)));
	const most = Math.min(limit, CHATHISTORY_LIMIT);
	// Counted from the first timestamp's side, as the other subcommands are.
	const chosen = from.value <= to.value ? inRange.slice(0, most) : inRange.slice(-most);
	const id = framing.batch ? framing.nextBatchId() : undefined;
	const tag = id === undefined ? '' : `@batch=${id} `;
	const lines = chosen.map(entry => `${tag}:${SERVER_NAME} CHATHISTORY TARGETS ${entry.conversation.startsWith('@') ? entry.conversation.slice(1) : entry.conversation} timestamp=${entry.ts}\r\n`).join('');
	return id === undefined ? lines : `:${SERVER_NAME} BATCH +${id} draft/chathistory-targets\r\n${lines}:${SERVER_NAME} BATCH -${id}\r\n`;
}
