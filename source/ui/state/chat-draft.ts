import {formatCommand, type Command} from '../../protocol/index.js';
import {allKey, describeKey, emptyConversation} from './conversations.js';
import {historyPageSize} from './history-paging.js';
import type {ChatState, Conversation, ConversationKey, Line} from './types.js';

export type HistoryCommand = Extract<Command, {type: 'history'}>;

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/** A conversation being changed in a batch; `lines` is copied the first time it is changed. */
export type Work = Mutable<Conversation> & {
	owned: boolean;
	/** The line at the bottom of the view when the batch began (undefined: following the newest, or scroll set here). */
	bottomKey: number | undefined;
};

/**
A batch of changes to apply to a state. Conversation line arrays are copied once per batch, then
changed in place, so a burst of N messages costs one copy of the history, not N.
*/
export class Draft {
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

	/** The lines of a conversation being changed, copied the first time. */
	ownLines(work: Work): Line[] {
		if (!work.owned) {
			work.lines = [...work.lines];
			work.owned = true;
		}

		return work.lines as Line[];
	}

	/** A fresh key for a new line. */
	lineKey(): number {
		return this.#nextKey++;
	}

	info(key: ConversationKey, level: 'info' | 'error', text: string): void {
		const lines = this.ownLines(this.work(key));
		for (const part of text.split('\n')) {
			lines.push({kind: level, key: this.lineKey(), text: part});
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
