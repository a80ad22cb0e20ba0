import type {CommandReply} from '../../client/connection.js';
import {
	conversationOf,
	formatCommand,
	parseConversation,
	type ChatMessage,
	type Command,
	type ConversationSummary,
	type ServerEvent,
} from '../../protocol/index.js';
import {tuiKeyHelp} from '../help.js';
import {allKey, conversationOrder, describeKey, emptyConversation, groupKey} from './conversations.js';
import {mentions} from './mentions.js';
import type {ChatState, ConnectionState, Conversation, ConversationKey, GapLine, GroupMember, Line, MessageLine} from './types.js';

type HistoryCommand = Extract<Command, {type: 'history'}>;

export type ChatAction =
	/** Events pushed by the server (login summary, messages, presence, membership, gaps, read markers, notices), batched. */
	| {readonly type: 'server_events'; readonly events: readonly ServerEvent[]}
	/** The reply to a command this client sent. `silent`: sent by the client itself (a refresh, a history page, a read marker), show no text. */
	| {readonly type: 'reply'; readonly command: Command; readonly reply: CommandReply; readonly silent?: boolean}
	/** A history request got no reply (the connection dropped): it may be asked again. */
	| {readonly type: 'history_failed'; readonly command: HistoryCommand}
	/** The screen took the history requests up to this id and sent them. */
	| {readonly type: 'requests_taken'; readonly upTo: number}
	| {readonly type: 'connection'; readonly state: ConnectionState; readonly detail?: string}
	| {readonly type: 'lag'; readonly ms: number}
	| {readonly type: 'switch'; readonly step: 1 | -1}
	| {readonly type: 'select'; readonly key: ConversationKey}
	/** `rows`: message rows the panel shows (default pageSize + 1), to know when the top or a gap comes into view. */
	| {readonly type: 'scroll'; readonly to: 'page_up' | 'page_down' | 'top' | 'bottom'; readonly pageSize: number; readonly rows?: number; readonly topLines?: number}
	/** A line from the client itself (a usage error, "not connected"), shown in the open conversation. */
	| {readonly type: 'notice'; readonly level: 'info' | 'error'; readonly text: string}
	/** `/query`: open a conversation, making it when it is new. */
	| {readonly type: 'open'; readonly key: ConversationKey}
	/** `/close`: take a conversation out of the list (a new message brings it back). */
	| {readonly type: 'close'; readonly key: ConversationKey};

export const defaultHistoryLimit = 10_000;

/** Messages per /history page the view asks for. */
export const historyPageSize = 100;

export function initialChatState(options: {me: string; server: string; historyLimit?: number}): ChatState {
	return {
		me: options.me,
		server: options.server,
		connection: 'online',
		connectionDetail: '',
		lagMs: undefined,
		conversations: {[allKey]: emptyConversation(allKey, 'all', 'All')},
		active: allKey,
		online: [],
		knownGroups: [],
		knownUsers: [],
		historyLimit: options.historyLimit ?? defaultHistoryLimit,
		nextKey: 1,
		requests: [],
		nextRequest: 1,
		members: {},
		memberTotals: {},
		alerts: 0,
		lastAlert: undefined,
	};
}

function sortedUnion(list: readonly string[], add: readonly string[]): readonly string[] {
	if (add.every(name => list.includes(name))) {
		return list;
	}

	return [...new Set([...list, ...add])].sort();
}

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/** A conversation being changed in a batch; `lines` is copied the first time it is changed. */
type Work = Mutable<Conversation> & {
	owned: boolean;
	/** The line at the bottom of the view when the batch began (undefined: following the newest, or scroll set here). */
	bottomKey: number | undefined;
};

/** Where an ordered line sits: messages at their seq, a gap just after its `after`. */
function position(line: MessageLine | GapLine): number {
	return line.kind === 'message' ? line.seq : line.after + 0.5;
}

function compareOrder(line: MessageLine | GapLine, epoch: number, at: number): number {
	return line.epoch - epoch || position(line) - at;
}

function isOrdered(line: Line): line is MessageLine | GapLine {
	return line.kind === 'message' || line.kind === 'gap';
}

/**
Where a line at (epoch, at) goes: just before the first ordered line after it (so info lines stay
where they were shown), or at the end. Scans from the end: live messages are appended in O(1).
*/
function findSlot(lines: readonly Line[], epoch: number, at: number, msgid?: string): {index: number; duplicate: boolean; collision: boolean} {
	let index = lines.length;
	for (let cursor = lines.length - 1; cursor >= 0; cursor--) {
		const other = lines[cursor]!;
		if (!isOrdered(other)) {
			continue;
		}

		if (msgid !== undefined && other.kind === 'message' && other.msgid === msgid) {
			return {index: cursor, duplicate: true, collision: false};
		}

		const order = compareOrder(other, epoch, at);
		if (order > 0) {
			index = cursor;
			continue;
		}

		return {index, duplicate: false, collision: order === 0 && other.kind === 'message'};
	}

	return {index, duplicate: false, collision: false};
}

/** The oldest message of the current epoch, the one a "before" page continues from. */
function oldestSeq(conversation: Pick<Conversation, 'lines' | 'epoch'>): number | undefined {
	for (const line of conversation.lines) {
		if (line.kind === 'message' && line.epoch === conversation.epoch) {
			return line.seq;
		}
	}

	return undefined;
}

/**
A batch of changes to apply to a state. Conversation line arrays are copied once per batch, then
changed in place, so a burst of N messages costs one copy of the history, not N.
*/
class Draft {
	state: ChatState;
	#nextKey: number;
	readonly #touched = new Map<ConversationKey, Work>();

	constructor(state: ChatState) {
		this.state = state;
		this.#nextKey = state.nextKey;
	}

	get active(): ConversationKey {
		return this.state.active;
	}

	get me(): string {
		return this.state.me;
	}

	has(key: ConversationKey): boolean {
		return this.#touched.has(key) || this.state.conversations[key] !== undefined;
	}

	/** The conversation as changed so far (read only). */
	view(key: ConversationKey): Conversation | undefined {
		return this.#touched.get(key) ?? this.state.conversations[key];
	}

	ensure(key: ConversationKey): void {
		if (!this.has(key)) {
			const {kind, name} = describeKey(key);
			this.state = {...this.state, conversations: {...this.state.conversations, [key]: emptyConversation(key, kind, name)}};
		}
	}

	remove(key: ConversationKey): void {
		if (key === allKey || !this.has(key)) {
			return;
		}

		this.#touched.delete(key);
		const {[key]: _removed, ...rest} = this.state.conversations;
		this.state = {...this.state, conversations: rest};
		if (this.state.active === key) {
			this.select(allKey);
		}
	}

	work(key: ConversationKey): Work {
		let work = this.#touched.get(key);
		if (!work) {
			const conversation = this.state.conversations[key]!;
			const bottom = conversation.scroll > 0 ? conversation.lines[conversation.lines.length - 1 - conversation.scroll] : undefined;
			work = {...conversation, owned: false, bottomKey: bottom?.key};
			this.#touched.set(key, work);
		}

		return work;
	}

	#lines(work: Work): Line[] {
		if (!work.owned) {
			work.lines = [...work.lines];
			work.owned = true;
		}

		return work.lines as Line[];
	}

	#key(): number {
		return this.#nextKey++;
	}

	info(key: ConversationKey, level: 'info' | 'error', text: string): void {
		const lines = this.#lines(this.work(key));
		for (const part of text.split('\n')) {
			lines.push({kind: level, key: this.#key(), text: part});
		}
	}

	request(key: ConversationKey, command: HistoryCommand): void {
		const id = this.state.nextRequest;
		this.state = {...this.state, requests: [...this.state.requests, {id, conversation: key, line: formatCommand(command)}], nextRequest: id + 1};
	}

	/** Ask for the newest page of a conversation not loaded yet. */
	loadFirstPage(key: ConversationKey): void {
		const work = this.work(key);
		if (work.history !== 'unloaded') {
			return;
		}

		work.history = 'loading';
		this.request(key, {type: 'history', conversation: key, limit: historyPageSize});
	}

	/** Ask for the page before the oldest message held. */
	loadOlder(key: ConversationKey): boolean {
		const work = this.work(key);
		const before = oldestSeq(work);
		if (work.history !== 'loaded' || !work.hasOlder || work.loadingOlder || before === undefined) {
			return false;
		}

		work.loadingOlder = true;
		this.request(key, {type: 'history', conversation: key, before, limit: historyPageSize});
		return true;
	}

	/** Ask for the newest part of a gap. */
	loadGap(key: ConversationKey, gapKey: number): boolean {
		const work = this.work(key);
		const lines = this.#lines(work);
		const index = lines.findIndex(line => line.key === gapKey);
		const gap = lines[index];
		if (gap?.kind !== 'gap' || gap.loading) {
			return false;
		}

		lines[index] = {...gap, loading: true};
		const limit = Math.max(1, Math.min(historyPageSize, gap.before - gap.after - 1));
		this.request(key, {type: 'history', conversation: key, before: gap.before, limit});
		return true;
	}

	/**
	The server numbers this conversation from the start again (a throwaway server restarted): keep
	what was shown, order what comes from now on after it, forget the markers and positions.
	*/
	reset(key: ConversationKey, notice?: string): void {
		const work = this.work(key);
		work.lines = work.lines.filter(line => line.kind !== 'gap');
		work.owned = true;
		work.epoch++;
		work.newestSeq = 0;
		work.lastSeq = 0;
		work.readSeq = 0;
		work.markedSeq = 0;
		work.mentions = 0;
		work.history = 'unloaded';
		work.hasOlder = false;
		work.loadingOlder = false;
		work.newAfter = undefined;
		if (notice) {
			this.info(key, 'info', notice);
		}
	}

	#messageLine(work: Work, message: ChatMessage): MessageLine {
		const mine = message.from === this.state.me;
		return {
			kind: 'message',
			key: this.#key(),
			msgid: message.msgid,
			seq: message.seq,
			epoch: work.epoch,
			ts: message.ts,
			from: message.from,
			text: message.text,
			mine,
			mention: !mine && mentions(message.text, this.state.me),
			action: message.action === true,
		};
	}

	#saw(work: Work, seq: number): void {
		work.newestSeq = Math.max(work.newestSeq, seq);
		work.lastSeq = Math.max(work.lastSeq, seq);
	}

	/** A message as it happens (an event, a reply to a send, a resumed one). */
	message(key: ConversationKey, message: ChatMessage): void {
		const work = this.work(key);
		let slot = findSlot(work.lines, work.epoch, message.seq, message.msgid);
		if (slot.duplicate) {
			return;
		}

		if (slot.collision) {
			// Another message already holds this seq: the server counts from 1 again.
			this.reset(key, 'The server started this conversation over: what follows is new.');
			slot = {index: work.lines.length, duplicate: false, collision: false};
		}

		if (work.lastSeq === 0 && work.readSeq === 0 && work.newestSeq === 0 && work.history === 'unloaded') {
			// Nothing known about this conversation (just joined, a first DM): count unread from here.
			work.readSeq = message.seq - 1;
			work.markedSeq = work.readSeq;
		}

		const line = this.#messageLine(work, message);
		this.#lines(work).splice(slot.index, 0, line);
		this.#saw(work, message.seq);
		if (line.mention && key !== this.state.active && message.seq > work.readSeq) {
			work.mentions++;
		}

		if (!line.mine && (line.mention || work.kind === 'dm') && message.seq > work.readSeq) {
			const inView = key === this.state.active;
			this.state = {...this.state, alerts: this.state.alerts + 1, lastAlert: {conversation: key, from: message.from, text: message.text, mention: line.mention, inView}};
		}
	}

	/** Messages from /history (oldest first), merged in seq order without duplicates in one pass. */
	merge(key: ConversationKey, messages: readonly ChatMessage[]): void {
		if (messages.length === 0) {
			return;
		}

		const work = this.work(key);
		const seen = new Set<string>();
		const incoming: MessageLine[] = [];
		for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
			if (!seen.has(message.msgid)) {
				seen.add(message.msgid);
				incoming.push(this.#messageLine(work, message));
				this.#saw(work, message.seq);
			}
		}

		const merged: Line[] = [];
		let next = 0;
		for (const line of work.lines) {
			if (isOrdered(line)) {
				while (next < incoming.length && compareOrder(line, incoming[next]!.epoch, incoming[next]!.seq) > 0) {
					merged.push(incoming[next++]!);
				}

				while (line.kind === 'message' && next < incoming.length && compareOrder(line, incoming[next]!.epoch, incoming[next]!.seq) === 0) {
					if (incoming[next]!.msgid !== line.msgid) {
						merged.push(incoming[next]!);
					}

					next++;
				}
			}

			merged.push(line);
		}

		while (next < incoming.length) {
			merged.push(incoming[next++]!);
		}

		work.lines = merged;
		work.owned = true;
	}

	/** Messages after..before were not sent on resume: a marker the user can page from. */
	gap(key: ConversationKey, after: number, before: number): void {
		if (before - after <= 1) {
			return;
		}

		const work = this.work(key);
		const line: GapLine = {kind: 'gap', key: this.#key(), epoch: work.epoch, after, before, loading: false};
		const slot = findSlot(work.lines, work.epoch, position(line));
		this.#lines(work).splice(slot.index, 0, line);
		work.lastSeq = Math.max(work.lastSeq, before - 1);
	}

	/** A history page answered: fill the gap it was for, or note whether there is more above. */
	historyAnswered(key: ConversationKey, command: HistoryCommand, messages: readonly ChatMessage[], more: boolean): void {
		const work = this.work(key);
		const {before} = command;
		if (command.after !== undefined) {
			return;
		}

		if (before === undefined) {
			work.history = 'loaded';
			work.hasOlder = more && (oldestSeq(work) ?? 0) > 1;
			return;
		}

		const lines = this.#lines(work);
		const gapIndex = lines.findIndex(line => line.kind === 'gap' && line.epoch === work.epoch && line.before === before);
		const gap = lines[gapIndex];
		if (gap?.kind === 'gap') {
			const oldest = messages.length === 0 ? undefined : Math.min(...messages.map(message => message.seq));
			if (oldest === undefined || !more || oldest <= gap.after + 1) {
				lines.splice(gapIndex, 1);
			} else {
				lines[gapIndex] = {...gap, before: oldest, loading: false};
			}

			return;
		}

		work.loadingOlder = false;
		work.hasOlder = more && (oldestSeq(work) ?? 0) > 1;
	}

	/** A history request that failed: `retry` leaves it to be asked again, otherwise give up on it. */
	historyFailed(key: ConversationKey, command: HistoryCommand, retry: boolean): void {
		if (!this.has(key)) {
			return;
		}

		const work = this.work(key);
		if (command.before === undefined) {
			if (work.history === 'loading') {
				work.history = retry ? 'unloaded' : 'loaded';
			}

			return;
		}

		const lines = this.#lines(work);
		const gapIndex = lines.findIndex(line => line.kind === 'gap' && line.before === command.before);
		const gap = lines[gapIndex];
		if (gap?.kind === 'gap') {
			lines[gapIndex] = {...gap, loading: false};
			return;
		}

		work.loadingOlder = false;
		if (!retry) {
			work.hasOlder = false;
		}
	}

	/** My own message, sent from here: read, unless others' unread messages come before it. */
	sent(key: ConversationKey, seq: number): void {
		const work = this.work(key);
		if (work.readSeq === seq - 1) {
			work.readSeq = seq;
		}
	}

	/** The read marker moved (here, in another session, or by /read). */
	marked(key: ConversationKey, seq: number): void {
		if (!this.has(key)) {
			return;
		}

		const work = this.work(key);
		work.markedSeq = Math.max(work.markedSeq, seq);
		work.readSeq = Math.max(work.readSeq, seq);
	}

	select(key: ConversationKey): void {
		if (!this.has(key)) {
			return;
		}

		const previous = this.state.active;
		if (previous !== key && this.has(previous)) {
			this.work(previous).newAfter = undefined;
		}

		this.state = {...this.state, active: key};
		const work = this.work(key);
		work.mentions = 0;
		if (previous !== key) {
			work.newAfter = work.lastSeq > work.readSeq ? work.readSeq : undefined;
		}

		this.loadFirstPage(key);
	}

	setScroll(key: ConversationKey, scroll: number): void {
		const work = this.work(key);
		work.scroll = scroll;
		work.bottomKey = undefined;
	}

	commit(): ChatState {
		if (this.#touched.size === 0) {
			return this.#nextKey === this.state.nextKey ? this.state : {...this.state, nextKey: this.#nextKey};
		}

		const conversations = {...this.state.conversations};
		const limit = this.state.historyLimit;
		for (const [key, {owned: _owned, bottomKey, ...work}] of this.#touched) {
			let {lines, hasOlder, scroll} = work;
			if (scroll === 0 && lines.length > limit) {
				// Following the newest: the oldest lines go (PageUp at the top fetches them again).
				hasOlder ||= lines.slice(0, lines.length - limit).some(line => line.kind === 'message');
				lines = lines.slice(lines.length - limit);
			}

			if (bottomKey !== undefined) {
				// Someone scrolled back keeps seeing the same line at the bottom while lines come in around it.
				let index = lines.length - 1;
				while (index >= 0 && lines[index]!.key !== bottomKey) {
					index--;
				}

				scroll = index === -1 ? scroll : lines.length - 1 - index;
			}

			scroll = Math.max(0, Math.min(scroll, lines.length - 1));
			const unread = Math.max(0, work.lastSeq - work.readSeq);
			conversations[key] = {...work, lines, hasOlder, scroll, unread, mentions: unread === 0 ? 0 : work.mentions};
		}

		this.#touched.clear();
		this.state = {...this.state, conversations, nextKey: this.#nextKey};
		return this.state;
	}
}

function learnUsers(draft: Draft, names: readonly string[]): void {
	const knownUsers = sortedUnion(draft.state.knownUsers, names);
	if (knownUsers !== draft.state.knownUsers) {
		draft.state = {...draft.state, knownUsers};
	}
}

function learnGroups(draft: Draft, names: readonly string[]): void {
	const knownGroups = sortedUnion(draft.state.knownGroups, names);
	if (knownGroups !== draft.state.knownGroups) {
		draft.state = {...draft.state, knownGroups};
	}
}

/** The view's key for a conversation as the server spells it (normalized), or undefined when it is not one. */
function keyOf(conversation: string): ConversationKey | undefined {
	const parsed = parseConversation(conversation);
	return parsed.ok ? parsed.name : undefined;
}

function learnConversation(draft: Draft, key: ConversationKey): void {
	draft.ensure(key);
	if (key.startsWith('#')) {
		learnGroups(draft, [key.slice(1)]);
	} else if (key.startsWith('@')) {
		learnUsers(draft, [key.slice(1)]);
	}
}

function messageConversation(draft: Draft, message: ChatMessage): ConversationKey {
	const key = conversationOf(message, draft.me);
	learnUsers(draft, message.type === 'msg' ? [message.from, message.to] : [message.from]);
	learnConversation(draft, key);
	return key;
}

/** After (re)login: the user's conversations with where they end and where the user stopped reading. */
function applySummaries(draft: Draft, summaries: readonly ConversationSummary[]): void {
	for (const summary of summaries) {
		const key = keyOf(summary.conversation);
		if (key === undefined) {
			continue;
		}

		learnConversation(draft, key);
		if (draft.work(key).newestSeq > summary.last_seq) {
			draft.reset(key, 'The server no longer has the messages above: what follows is new.');
		}

		const work = draft.work(key);
		work.lastSeq = Math.max(work.lastSeq, summary.last_seq);
		work.markedSeq = summary.read_seq;
		work.readSeq = Math.max(work.readSeq, summary.read_seq);
	}

	// The open conversation has messages the user has not seen (sent while away): the line goes above them.
	const active = draft.work(draft.active);
	if (active.lastSeq > active.readSeq) {
		active.newAfter = active.readSeq;
	}

	draft.loadFirstPage(draft.active);
}

function applyEvent(draft: Draft, event: ServerEvent): void {
	switch (event.type) {
		case 'msg':
		case 'broadcast':
		case 'group_msg': {
			draft.message(messageConversation(draft, event), event);
			break;
		}

		case 'login_ok': {
			applySummaries(draft, event.conversations ?? []);
			break;
		}

		case 'gap': {
			const key = keyOf(event.conversation);
			if (key !== undefined) {
				learnConversation(draft, key);
				draft.gap(key, event.after, event.before);
			}

			break;
		}

		case 'read': {
			const key = keyOf(event.conversation);
			if (key !== undefined) {
				draft.marked(key, event.seq);
			}

			break;
		}

		case 'presence': {
			if (event.user === draft.me) {
				break;
			}

			learnUsers(draft, [event.user]);
			const online = event.online
				? sortedUnion(draft.state.online, [event.user])
				: draft.state.online.filter(name => name !== event.user);
			draft.state = {...draft.state, online};
			const text = event.online ? `${event.user} is online` : `${event.user} went offline`;
			draft.info(allKey, 'info', text);
			if (draft.has(`@${event.user}`)) {
				draft.info(`@${event.user}`, 'info', text);
			}

			// The groups they are in say so too, and their member lists mark it.
			let members = draft.state.members;
			for (const [group, list] of Object.entries(members)) {
				const index = list.findIndex(member => member.name === event.user);
				if (index === -1 || list[index]!.online === event.online) {
					continue;
				}

				members = {...members, [group]: list.with(index, {name: event.user, online: event.online})};
				if (draft.has(groupKey(group))) {
					draft.info(groupKey(group), 'info', text);
				}
			}

			if (members !== draft.state.members) {
				draft.state = {...draft.state, members};
			}

			break;
		}

		case 'membership': {
			learnGroups(draft, [event.group]);
			learnUsers(draft, [event.user]);
			const key = groupKey(event.group);
			if (event.user === draft.me) {
				// My own join or leave is reported by the reply to my command (or by another of my sessions).
				if (event.joined) {
					draft.ensure(key);
				} else {
					draft.remove(key);
				}

				break;
			}

			if (draft.has(key)) {
				draft.info(key, 'info', `${event.user} ${event.joined ? 'joined' : 'left'} #${event.group}`);
			}

			const list = draft.state.members[event.group];
			if (list) {
				const others = list.filter(member => member.name !== event.user);
				const next = event.joined ? [...others, {name: event.user, online: true}].sort((a, b) => (a.name < b.name ? -1 : 1)) : others;
				const total = Math.max(next.length, (draft.state.memberTotals[event.group] ?? list.length) + (event.joined ? 1 : -1));
				draft.state = {...draft.state, members: {...draft.state.members, [event.group]: next}, memberTotals: {...draft.state.memberTotals, [event.group]: total}};
			}

			break;
		}

		case 'notice': {
			draft.info(draft.active, 'info', event.text);
			break;
		}

		case 'bye': {
			draft.info(draft.active, 'info', `server: ${event.text}`);
			break;
		}

		case 'error': {
			// Errors that answer a request come back through the request's promise; only unsolicited ones land here.
			if (event.id === undefined) {
				draft.info(draft.active, 'error', event.message);
			}

			break;
		}

		case 'resumed':
		case 'welcome':
		case 'ok':
		case 'pong': {
			break;
		}
	}
}

/** Errors worth asking again for later (flood control, a node briefly away). */
const retryableErrors = new Set(['rate_limited', 'unavailable', 'closed']);

function applyError(draft: Draft, command: Command, reply: Extract<CommandReply, {type: 'error'}>, silent: boolean): void {
	if (command.type === 'history') {
		draft.historyFailed(command.conversation, command, retryableErrors.has(reply.code));
		if (silent && !retryableErrors.has(reply.code) && draft.has(command.conversation)) {
			draft.info(command.conversation, 'error', `history: ${reply.message}`);
		}
	} else if (command.type === 'read' && silent) {
		// The server will not take this marker: stop offering it.
		draft.marked(command.conversation, command.seq ?? 0);
	}

	if (!silent) {
		draft.info(draft.active, 'error', reply.message);
	}
}

function applyReply(draft: Draft, command: Command, reply: CommandReply, silent: boolean): void {
	if (reply.type === 'error') {
		applyError(draft, command, reply, silent);
		return;
	}

	switch (reply.command) {
		case 'msg':
		case 'broadcast':
		case 'group_msg':
		case 'me': {
			const key = messageConversation(draft, reply.message);
			draft.message(key, reply.message);
			draft.sent(key, reply.message.seq);
			if (reply.stored) {
				draft.info(key, 'info', reply.text);
			}

			if (reply.command === 'msg' && !silent) {
				draft.select(key);
			}

			break;
		}

		case 'history': {
			const key = keyOf(reply.conversation);
			if (key === undefined || command.type !== 'history') {
				break;
			}

			learnConversation(draft, key);
			for (const message of reply.messages) {
				learnUsers(draft, message.type === 'msg' ? [message.from, message.to] : [message.from]);
			}

			draft.merge(key, reply.messages);
			draft.historyAnswered(key, command, reply.messages, reply.more);
			if (!silent) {
				if (reply.messages.length === 0) {
					draft.info(key, 'info', reply.text);
				}

				draft.select(key);
			}

			break;
		}

		case 'read': {
			const key = keyOf(reply.conversation);
			if (key !== undefined) {
				// The marker this client sent is settled, even if the server holds less (it never goes back).
				draft.marked(key, silent && command.type === 'read' ? Math.max(reply.seq, command.seq ?? 0) : reply.seq);
				if (!silent) {
					draft.info(draft.active, 'info', reply.text);
				}
			}

			break;
		}

		case 'create_group':
		case 'join_group':
		case 'join': {
			learnGroups(draft, [reply.group]);
			const key = groupKey(reply.group);
			const existing = draft.view(key);
			if ((reply.command === 'create_group' || reply.created) && existing && (existing.newestSeq > 0 || existing.history !== 'unloaded')) {
				// Created again (the server forgot it): its numbering starts at 1.
				draft.reset(key);
			}

			draft.ensure(key);
			draft.info(key, 'info', reply.text);
			if (!silent) {
				draft.select(key);
			}

			break;
		}

		case 'leave_group':
		case 'part': {
			draft.remove(groupKey(reply.group));
			draft.info(allKey, 'info', reply.text);
			break;
		}

		case 'users': {
			const names = reply.users.map(user => user.name);
			learnUsers(draft, names);
			draft.state = {...draft.state, online: [...new Set(names)].filter(name => name !== draft.me).sort()};
			if (!silent) {
				draft.info(draft.active, 'info', reply.text);
			}

			break;
		}

		case 'groups': {
			learnGroups(draft, reply.groups.map(group => group.name));
			for (const group of reply.groups) {
				if (group.joined) {
					draft.ensure(groupKey(group.name));
				}
			}

			if (!silent) {
				draft.info(draft.active, 'info', reply.text);
			}

			break;
		}

		case 'members': {
			learnUsers(draft, reply.members.map(member => member.name));
			const held = draft.state.members[reply.group];
			let list: readonly GroupMember[] | undefined;
			if ((reply.page ?? 1) === 1) {
				list = reply.members;
			} else if (silent && held) {
				// A further page of a large group, fetched for the panel: added to what it holds.
				const names = new Set(held.map(member => member.name));
				list = [...held, ...reply.members.filter(member => !names.has(member.name))].sort((a, b) => (a.name < b.name ? -1 : 1));
			}

			if (list) {
				const total = Math.max(list.length, reply.total ?? list.length);
				draft.state = {...draft.state, members: {...draft.state.members, [reply.group]: list}, memberTotals: {...draft.state.memberTotals, [reply.group]: total}};
			}

			if (!silent) {
				draft.info(draft.active, 'info', reply.text);
			}

			break;
		}

		case 'help': {
			draft.info(draft.active, 'info', reply.text);
			if (command.type === 'help' && command.topic === undefined) {
				draft.info(draft.active, 'info', tuiKeyHelp.join('\n'));
			}

			break;
		}

		case 'exit': {
			break;
		}
	}
}

function scrolled(conversation: Conversation, to: 'page_up' | 'page_down' | 'top' | 'bottom', pageSize: number, topLines: number): number {
	// The top stops with the oldest line at the top of the view, not alone at its bottom.
	const max = Math.max(0, conversation.lines.length - topLines);
	const step = Math.max(1, pageSize);
	return to === 'page_up'
		? Math.min(max, conversation.scroll + step)
		: to === 'page_down'
			? Math.max(0, conversation.scroll - step)
			: to === 'top' ? max : 0;
}

/** After a move up: a gap in view is filled, or the page above the oldest line is fetched when the top is in view. */
function fetchInView(draft: Draft, rows: number): void {
	const conversation = draft.view(draft.active)!;
	const end = conversation.lines.length - conversation.scroll;
	const start = Math.max(0, end - rows);
	for (let index = end - 1; index >= start; index--) {
		const line = conversation.lines[index];
		if (line?.kind === 'gap' && line.epoch === conversation.epoch && !line.loading) {
			draft.loadGap(conversation.key, line.key);
			return;
		}
	}

	if (start === 0) {
		if (conversation.history === 'unloaded') {
			draft.loadFirstPage(conversation.key);
		} else {
			draft.loadOlder(conversation.key);
		}
	}
}

/**
The client marks read what it shows: the newest message of the open conversation at or above
the bottom of the view moves `readSeq` (never back). The screen sends it on to the server.
*/
function markShown(state: ChatState): ChatState {
	const conversation = state.conversations[state.active];
	if (!conversation) {
		return state;
	}

	let seq: number | undefined;
	for (let index = conversation.lines.length - 1 - conversation.scroll; index >= 0; index--) {
		const line = conversation.lines[index]!;
		if (line.kind === 'message') {
			seq = line.epoch === conversation.epoch ? line.seq : undefined;
			break;
		}
	}

	if (seq === undefined || seq <= conversation.readSeq) {
		return state;
	}

	const unread = Math.max(0, conversation.lastSeq - seq);
	return {
		...state,
		conversations: {...state.conversations, [state.active]: {...conversation, readSeq: seq, unread, mentions: unread === 0 ? 0 : conversation.mentions}},
	};
}

function reduce(state: ChatState, action: ChatAction): ChatState {
	switch (action.type) {
		case 'server_events': {
			const draft = new Draft(state);
			for (const event of action.events) {
				applyEvent(draft, event);
			}

			return draft.commit();
		}

		case 'reply': {
			const draft = new Draft(state);
			applyReply(draft, action.command, action.reply, action.silent ?? false);
			return draft.commit();
		}

		case 'history_failed': {
			const draft = new Draft(state);
			draft.historyFailed(action.command.conversation, action.command, true);
			return draft.commit();
		}

		case 'requests_taken': {
			const requests = state.requests.filter(request => request.id > action.upTo);
			return requests.length === state.requests.length ? state : {...state, requests};
		}

		case 'notice': {
			const draft = new Draft(state);
			draft.info(state.active, action.level, action.text);
			return draft.commit();
		}

		case 'connection': {
			const detail = action.detail ?? '';
			if (state.connection === action.state && state.connectionDetail === detail) {
				return state;
			}

			return {...state, connection: action.state, connectionDetail: detail, lagMs: action.state === 'online' ? state.lagMs : undefined};
		}

		case 'lag': {
			return {...state, lagMs: action.ms};
		}

		case 'switch': {
			const order = conversationOrder(state);
			const index = order.indexOf(state.active);
			const next = order[(index + action.step + order.length) % order.length]!;
			return reduce(state, {type: 'select', key: next});
		}

		case 'select': {
			if (!state.conversations[action.key]) {
				return state;
			}

			const draft = new Draft(state);
			draft.select(action.key);
			return draft.commit();
		}

		case 'open': {
			const draft = new Draft(state);
			learnConversation(draft, action.key);
			draft.select(action.key);
			return draft.commit();
		}

		case 'close': {
			const draft = new Draft(state);
			draft.remove(action.key);
			return draft.commit();
		}

		case 'scroll': {
			const conversation = state.conversations[state.active]!;
			const scroll = scrolled(conversation, action.to, action.pageSize, action.topLines ?? action.rows ?? action.pageSize + 1);
			const draft = new Draft(state);
			if (scroll !== conversation.scroll) {
				draft.setScroll(state.active, scroll);
			}

			if (action.to === 'page_up' || action.to === 'top') {
				fetchInView(draft, action.rows ?? action.pageSize + 1);
			}

			return draft.commit();
		}
	}
}

/** Pure: the whole client view as a function of what the server said and what the user did. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
	const next = reduce(state, action);
	return next === state ? state : markShown(next);
}

export function activeConversation(state: ChatState): Conversation {
	return state.conversations[state.active]!;
}

/** The key of the line the "new messages" divider goes above: the first message after `newAfter` in the current epoch. */
export function firstNewLine(conversation: Pick<Conversation, 'lines' | 'newAfter' | 'epoch'>): number | undefined {
	const {newAfter, epoch} = conversation;
	if (newAfter === undefined) {
		return undefined;
	}

	let first: number | undefined;
	for (let index = conversation.lines.length - 1; index >= 0; index--) {
		const line = conversation.lines[index]!;
		if (line.kind === 'message') {
			if (line.epoch !== epoch || line.seq <= newAfter) {
				break;
			}

			first = line.key;
		}
	}

	return first;
}
