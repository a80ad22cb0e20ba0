import {
	type ChatMessage,
	type Command,
	type ConversationSummary,
	type ResumePoints,
	type ServerEvent,
} from '../../source/protocol/index.js';
import {failure, type CoreContext, type CoreLimits, type Reply} from './context.js';
import {isResolved, resolveReadable, viewerName} from './conversations.js';
import {Envelope} from './envelope.js';
import {handlers} from './handlers/index.js';
import {MsgidFactory} from './msgid.js';
import {LocalRouter, type Router} from './router.js';
import type {SessionSink} from './session.js';
import {BROADCAST_ID, conversationIdOf, groupConversationId, StoreUnavailableError, type ChatStore, type ConversationId} from './store.js';

export type ChatCoreOptions = {
	/** Is `user` registered (in users.txt)? Tells offline delivery from `unknown_user`. */
	readonly isRegistered: (user: string) => boolean;
	readonly store: ChatStore;
	readonly router?: Router;
	readonly now?: () => Date;
	readonly limits?: Partial<CoreLimits>;
};

export const defaultCoreLimits: CoreLimits = {
	mailboxCap: 1000,
	resumeCap: 1000,
	resumeTotalCap: 10_000,
	dmPartnersAtLogin: 100,
	maxGroups: 10_000,
	maxGroupsPerUser: 100,
};

function noop(): void {}

/** Backlog is read and sent this many messages at a time, waiting for the session to drain in between. */
const backlogPage = 100;

export type LoginResult = {
	readonly online: number;
	/** The user's conversations with read markers, for `login_ok`. */
	readonly conversations: readonly ConversationSummary[];
	/** DMs that waited for this user (delivered by `catchUp`). */
	readonly waiting: number;
};

export type CatchUpResult = {readonly messages: number; readonly gaps: number};

/**
The routing core: presence, groups, messages and their history, read markers. Sessions come in
through `login`, commands through `execute` (which resolves to the command's one reply, after
what it changed is stored); everything else a session receives goes through the router.
*/
export class ChatCore {
	readonly #context: CoreContext;
	/** Users whose waiting DMs are being handed to a session right now: a second session does not get them again. */
	readonly #draining = new Set<string>();

	constructor(options: ChatCoreOptions) {
		const {now} = options;
		// Milliseconds, with no Date made per message unless a test supplies the clock.
		const clock = now ? () => now().getTime() : Date.now;
		let lastTime = Number.NaN;
		let lastText = '';
		this.#context = {
			router: options.router ?? new LocalRouter(),
			store: options.store,
			msgids: new MsgidFactory(clock),
			limits: {...defaultCoreLimits, ...options.limits},
			isRegistered: options.isRegistered,
			timestamp: () => {
				// Many messages share a millisecond: its ISO text is made once.
				const time = clock();
				if (time !== lastTime) {
					lastTime = time;
					lastText = new Date(time).toISOString();
				}

				return lastText;
			},
		};
	}

	/** Users with at least one session. */
	get onlineCount(): number {
		return this.#context.router.userCount;
	}

	get store(): ChatStore {
		return this.#context.store;
	}

	/**
	A session logs in. Live deliveries to it are held until `catchUp` has sent what it missed;
	when it is its user's first session, the users who watch presence hear it came online.
	*/
	async login(session: SessionSink): Promise<LoginResult> {
		const {router} = this.#context;
		session.hold();
		if (router.attach(session)) {
			router.publish({kind: 'watchers', except: session}, {type: 'presence', user: session.user, online: true, ts: this.#context.timestamp()});
		}

		const [conversations, waiting] = await Promise.all([this.#summaries(session.user), this.#context.store.undeliveredCount(session.user)]);
		return {online: router.userCount, conversations, waiting};
	}

	/**
	After `login_ok`: the messages `resume` says the session missed (per conversation, at most the
	resume cap, older ones announced as a `gap`), then DMs stored while the user was offline, then
	the live events held meanwhile (without the ones already sent). Resolves once all is written.
	*/
	async catchUp(session: SessionSink, resume: ResumePoints | undefined): Promise<CatchUpResult> {
		const sent = new Map<ConversationId, number>();
		const budget = {left: this.#context.limits.resumeTotalCap};
		let messages = 0;
		let gaps = 0;
		try {
			if (resume) {
				for (const [name, held] of Object.entries(resume)) {
					const result = await this.#resume(session, name, held, sent, budget);
					messages += result.messages;
					gaps += result.gaps;
				}
			}

			messages += await this.#deliverWaiting(session, sent);
			if (resume) {
				session.send(new Envelope({type: 'resumed', messages, gaps}));
			}
		} finally {
			session.release(envelope => {
				const {event} = envelope;
				if (event.type !== 'msg' && event.type !== 'group_msg' && event.type !== 'broadcast') {
					return false;
				}

				const upTo = sent.get(conversationIdOf(event));
				return upTo !== undefined && event.seq <= upTo;
			});
		}

		return {messages, gaps};
	}

	/** A session is gone (exit, crash, network loss); when it was its user's last, the watchers hear so. */
	detach(session: SessionSink): void {
		const {router} = this.#context;
		if (router.detach(session)) {
			router.publish({kind: 'watchers'}, {type: 'presence', user: session.user, online: false, ts: this.#context.timestamp()});
		}
	}

	/**
	Ends every session of `user` (bye `revoked`). With `forget` (the account was removed) also
	drops what the name holds: memberships, DMs, read markers, waiting messages, so a later
	account of the same name inherits nothing. Returns how many sessions were ended.
	*/
	async revoke(user: string, forget: boolean): Promise<number> {
		const sessions = this.#context.router.sessionsOf(user);
		for (const session of sessions) {
			session.end('revoked');
		}

		if (forget) {
			await this.#context.store.forgetUser(user);
		}

		return sessions.length;
	}

	/**
	Runs one command; a store that cannot commit turns into an `unavailable` reply. `applied` is
	called once its write is with the store (see Handler), so the session's next command may start.
	*/
	execute(session: SessionSink, command: Command, applied: () => void = noop): Promise<Reply> {
		const handler = handlers[command.type] as (context: CoreContext, session: SessionSink, command: Command, applied: () => void) => Promise<Reply>;
		const unavailable = (error: unknown): Reply => {
			if (error instanceof StoreUnavailableError) {
				return failure(command.type, 'unavailable', error.uncertain
					? `the server could not confirm this (${error.message}); it may still be carried out when the store answers again: check with /history before sending it again`
					: `the message store is not available (${error.message}); nothing was changed, try again later`);
			}

			throw error;
		};

		// `.then`, not an async function: one frame fewer held by each command waiting for its commit.
		try {
			return handler(this.#context, session, command, applied).then(undefined, unavailable);
		} catch (error) {
			return new Promise(resolve => {
				resolve(unavailable(error));
			});
		}
	}

	async #summaries(user: string): Promise<ConversationSummary[]> {
		const {store, limits} = this.#context;
		const [groups, partners, markers] = await Promise.all([store.groupsOf(user), store.dmPartners(user, limits.dmPartnersAtLogin), store.readMarkers(user)]);
		const ids: ConversationId[] = [...groups.map(group => groupConversationId(group)), ...partners.map(partner => partner.conversation), BROADCAST_ID];
		const lastSeqs = await Promise.all(ids.map(async id => store.lastSeq(id)));
		// Unread counts only messages still kept: those pruned, or gone with an earlier group of the name, are not there to read.
		const reads = ids.map((id, index) => Math.min(markers.get(id) ?? 0, lastSeqs[index]!));
		const firstKept = await Promise.all(ids.map(async (id, index) => (lastSeqs[index]! > reads[index]! ? store.firstKeptSeq(id) : undefined)));
		return ids.map((id, index) => {
			const last = lastSeqs[index]!;
			const read = reads[index]!;
			const first = firstKept[index];
			return {conversation: viewerName(id, user), last_seq: last, read_seq: read, unread: first === undefined ? 0 : last - Math.max(read, first - 1)};
		});
	}

	async #resume(session: SessionSink, name: string, held: number, sent: Map<ConversationId, number>, budget: {left: number}): Promise<CatchUpResult> {
		const {store, limits} = this.#context;
		const conversation = await resolveReadable(this.#context, session.user, name, 'history');
		if (!isResolved(conversation)) {
			return {messages: 0, gaps: 0};
		}

		const last = await store.lastSeq(conversation.id);
		if (last <= held) {
			return {messages: 0, gaps: 0};
		}

		let after = held;
		let gaps = 0;
		const cap = Math.min(limits.resumeCap, budget.left);
		if (last - held > cap) {
			after = last - cap;
			gaps = 1;
			session.send(new Envelope({type: 'gap', conversation: conversation.name, after: held, before: after + 1, skipped: after - held}));
		}

		let messages = 0;
		while (after < last) {
			// eslint-disable-next-line no-await-in-loop
			const page = await store.history(conversation.id, {after, limit: Math.min(backlogPage, last - after)});
			if (page.messages.length === 0) {
				break;
			}

			// Older messages than the store keeps (retention, --history-max): the client is told what it cannot have.
			const first = page.messages[0]!.seq;
			if (first > after + 1) {
				gaps++;
				session.send(new Envelope({type: 'gap', conversation: conversation.name, after, before: first, skipped: first - after - 1}));
			}

			for (const message of page.messages) {
				this.#sendMessage(session, message);
			}

			messages += page.messages.length;
			budget.left -= page.messages.length;
			after = page.messages.at(-1)!.seq;
			sent.set(conversation.id, after);
			// eslint-disable-next-line no-await-in-loop
			await session.ready();
		}

		return {messages, gaps};
	}

	async #deliverWaiting(session: SessionSink, sent: Map<ConversationId, number>): Promise<number> {
		const {store} = this.#context;
		const {user} = session;
		if (this.#draining.has(user)) {
			return 0;
		}

		this.#draining.add(user);
		try {
			const waiting = await store.undelivered(user);
			if (waiting.length === 0) {
				return 0;
			}

			let delivered = 0;
			for (const message of waiting) {
				const id = conversationIdOf(message);
				if ((sent.get(id) ?? 0) < message.seq) {
					this.#sendMessage(session, message);
					delivered++;
					if (delivered % backlogPage === 0) {
						// eslint-disable-next-line no-await-in-loop
						await session.ready();
					}
				}
			}

			await store.markDelivered(user, waiting);
			return delivered;
		} finally {
			this.#draining.delete(user);
		}
	}

	#sendMessage(session: SessionSink, message: ChatMessage): void {
		session.send(new Envelope(message satisfies ServerEvent));
	}
}

