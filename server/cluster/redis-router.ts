import type {ByeReason, ChatMessage, ServerEvent} from '../../source/protocol/index.js';
import {LocalRouter, type Audience, type Router} from '../core/router.js';
import type {SessionDescription, SessionSink} from '../core/session.js';
import {conversationIdOf, groupConversationId, type ConversationId, type MessageDraft} from '../core/store.js';
import {viewerName} from '../core/conversations.js';
import type {Logger} from '../log.js';
import type {AppendTargets, RedisStore} from '../store/redis-store.js';
import {dmPair} from '../store/state.js';
import {ClusterPresence} from './cluster-presence.js';
import {redisChannels, redisKeys} from './redis-keys.js';
import {hashEntries, luaScript, messageOf, type RedisLink} from './redis-link.js';

/** KEYS: the node's user hash. ARGV: node, user, sessions, presence channel. */
const presenceScript = luaScript(`
if tonumber(ARGV[3]) > 0 then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) else redis.call('HDEL', KEYS[1], ARGV[2]) end
redis.call('PUBLISH', ARGV[4], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
`);

/**
KEYS: the node's user hash, its alive key (one slot: both carry the node as a hash tag). ARGV: node,
TTL ms, presence channel, then user/sessions pairs (the whole list: it heals a Redis that restarted
empty). A node that was not alive (new, or its keys lapsed) asks the others to read its list again:
`<node> *`. The node set (another slot) gets the node in a command of its own, sent right after.
*/
const heartbeatScript = luaScript(`
local known = redis.call('EXISTS', KEYS[2])
redis.call('DEL', KEYS[1])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2] * 2)
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
if known == 0 then redis.call('PUBLISH', ARGV[3], ARGV[1] .. ' *') end
`);

/** KEYS: the node's session hash. ARGV: its expiry (ms), user, the user's sessions on the node as JSON ('' when none). One key: Cluster-safe. */
const sessionsScript = luaScript(`
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[2]) else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
`);

/** KEYS: the node's session hash. ARGV: its expiry (ms), then user/JSON pairs: the whole list (heals a Redis that restarted empty). */
const sessionListScript = luaScript(`
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
`);

/** A node's published session list of one user, read back; anything malformed is left out. */
function parseSessionList(json: string | null): SessionDescription[] {
	if (json === null) {
		return [];
	}

	let value: unknown;
	try {
		value = JSON.parse(json);
	} catch {
		return [];
	}

	if (!Array.isArray(value)) {
		return [];
	}

	return value.flatMap((each: unknown): SessionDescription[] => {
		if (typeof each !== 'object' || each === null) {
			return [];
		}

		const {id, mode, address, since} = each as Record<string, unknown>;
		return typeof id === 'number' && typeof mode === 'string' && typeof address === 'string' && typeof since === 'string'
			? [{id, mode, address, since}]
			: [];
	});
}

/** The header in front of each pub/sub payload (`header \n event JSON`). */
type Header = {
	/** The node that published it. */
	readonly o: string;
	/** Deliver to this node's sessions of these users. */
	readonly u?: readonly string[];
	/** Deliver to every session on the node. */
	readonly a?: 1;
	/** Deliver to the node's presence watchers. */
	readonly w?: 1;
	/** Instead of delivering: end the node's sessions of the users in `u` with this bye reason. */
	readonly e?: ByeReason;
};

type Incoming = {readonly header: Header; readonly event: ServerEvent};

/** A message appended on this node: whether it comes back on this node's channel, and the session that sent it once the core names it. */
type OwnMessage = {readonly at: number; readonly expected: boolean; named: boolean; sender: SessionSink | undefined};

/** How long a node remembers the messages it appended (for their senders, in a recovery after an outage). */
const ownMemoryMs = 10_000;

/** How long a node waits for its own core to name the sender of a message it published before delivering without that exception. */
const senderWaitMs = 1000;
/** Missed messages a node re-reads per conversation after an outage. */
const recoveryCap = 200;

function isChatMessage(event: ServerEvent): event is ChatMessage {
	return event.type === 'msg' || event.type === 'group_msg' || event.type === 'broadcast';
}

export type RedisRouterOptions = {
	readonly link: RedisLink;
	readonly store: RedisStore;
	readonly node: string;
	/** A node that has not renewed its heartbeat for this long is gone, and its users with it. */
	readonly presenceTtlMs: number;
	readonly logger: Logger;
};

/**
Presence and fan-out across nodes (docs/scale-out.md). Each node owns a channel and hears only
what its sessions need: the append script publishes a stored message to the channels of the
nodes that, by this node's view of presence, hold a recipient, with the recipients there; other
events go the same way; broadcasts and presence events go to every node. A node's own sessions get
messages through its channel too, so every node delivers a conversation in seq order. Presence:
each node keeps its users in a hash renewed by heartbeat and announces every change; a node whose
heartbeat lapses is gone, and every other node drops its users (offline within the TTL plus a
third of it).
*/
export class RedisRouter implements Router {
	readonly #local = new LocalRouter();
	readonly #view = new ClusterPresence();
	/** The other nodes whose heartbeat this node has seen and whose user list it has read. */
	readonly #liveNodes = new Set<string>();
	readonly #link: RedisLink;
	readonly #store: RedisStore;
	readonly #node: string;
	readonly #ttlMs: number;
	readonly #logger: Logger;
	readonly #channel: string;
	readonly #queue: Incoming[] = [];
	/** Messages appended on this node in the last few seconds, by msgid, oldest first (see OwnMessage). */
	readonly #own = new Map<string, OwnMessage>();
	/** The newest seq delivered per conversation: duplicates after a recovery are dropped, and recovery knows where to start. */
	readonly #seen = new Map<ConversationId, number>();
	#waitTimer: NodeJS.Timeout | undefined;
	#waitExpired = false;
	/** Until then (after an outage) a node whose heartbeat lapsed is not taken for dead: it may not have been able to renew it. */
	#graceUntil = 0;
	#recovering = false;
	#heartbeat: NodeJS.Timeout | undefined;
	#closed = false;

	constructor(options: RedisRouterOptions) {
		this.#link = options.link;
		this.#store = options.store;
		this.#node = options.node;
		this.#ttlMs = options.presenceTtlMs;
		this.#logger = options.logger;
		this.#channel = redisChannels.node(options.node);
		options.store.setRouting((conversation, draft, members) => this.#route(conversation, draft, members));
		options.store.beforeClose(async () => this.#leave());
		options.link.onReconnect(downSince => {
			void this.#afterOutage(downSince);
		});
	}

	get node(): string {
		return this.#node;
	}

	/** The other nodes this one knows of. */
	get otherNodes(): number {
		return this.#liveNodes.size;
	}

	/** Subscribes, announces this node, and reads who is online on the others. */
	async start(): Promise<void> {
		const listener = (payload: string) => {
			this.#receive(payload);
		};

		await this.#link.subscriber.subscribe([this.#channel, redisChannels.all], listener);
		await this.#link.subscriber.subscribe(redisChannels.presence, (payload: string) => {
			this.#presenceMessage(payload);
		});
		await this.#beat();
		await this.#loadNodes(false);
		this.#heartbeat = setInterval(() => {
			void this.#tick();
		}, Math.max(100, Math.floor(this.#ttlMs / 3))).unref();
	}

	attach(session: SessionSink): boolean {
		const before = this.#view.total(session.user);
		this.#local.attach(session);
		this.#localCountChanged(session.user);
		return before === 0;
	}

	detach(session: SessionSink): boolean {
		const before = this.#local.sessionCount(session.user);
		this.#local.detach(session);
		if (this.#local.sessionCount(session.user) === before) {
			return false;
		}

		this.#localCountChanged(session.user);
		return this.#view.total(session.user) === 0;
	}

	publish(audience: Audience, event: ServerEvent): number {
		const reached = this.#reached(audience);
		if (isChatMessage(event)) {
			// Stored messages were published by the append script; here the core names who sent it.
			const own = this.#own.get(event.msgid);
			if (own && !own.named) {
				own.named = true;
				own.sender = audience.except;
				if (own.expected) {
					this.#drain();
				}
			}

			return reached;
		}

		this.#local.publish(audience, event);
		if (audience.kind === 'watchers') {
			// Other nodes make their own presence events from this node's presence messages (see #presenceMessage).
			return reached;
		}

		const json = JSON.stringify(event);
		if (audience.kind === 'everyone') {
			this.#send(redisChannels.all, {o: this.#node, a: 1}, json);
			return reached;
		}

		const users = audience.kind === 'user' ? [audience.user] : audience.users;
		for (const [node, names] of this.#byNode(users, () => false)) {
			if (node !== this.#node) {
				this.#send(redisChannels.node(node), {o: this.#node, u: names}, json);
			}
		}

		return reached;
	}

	isOnline(user: string): boolean {
		return this.#view.total(user) > 0;
	}

	/** Sessions of `user` on every node. */
	sessionCount(user: string): number {
		return this.#view.total(user);
	}

	/** This node's sessions only (`/sessions` adds sessionsElsewhere, `/logout_others` endElsewhere). */
	sessionsOf(user: string): readonly SessionSink[] {
		return this.#local.sessionsOf(user);
	}

	/** `user`'s sessions on the other nodes that, by this node's view of presence, hold some: one HGET per such node. */
	async sessionsElsewhere(user: string): Promise<Array<SessionDescription & {node: string}>> {
		const nodes = [...(this.#view.nodesOf(user)?.keys() ?? [])].filter(node => node !== this.#node);
		const lists = await Promise.all(nodes.map(async node => {
			const json = await this.#link.call<string | null>(['HGET', redisKeys.nodeSessions(node), user]);
			return parseSessionList(json).map(description => ({...description, node}));
		}));
		return lists.flat();
	}

	endElsewhere(user: string, reason: ByeReason): number {
		let ended = 0;
		for (const [node, sessions] of this.#view.nodesOf(user) ?? []) {
			if (node !== this.#node) {
				ended += sessions;
				this.#send(redisChannels.node(node), {o: this.#node, u: [user], e: reason}, '{}');
			}
		}

		return ended;
	}

	onlineUsers(): Array<{name: string; sessions: number}> {
		return [...this.#view.users()].map(([name, sessions]) => ({name, sessions}));
	}

	get userCount(): number {
		return this.#view.userCount;
	}

	/** The channels an appended message goes to, with the recipients on each node (the sender's own session left out). */
	#route(conversation: ConversationId, draft: MessageDraft, members: ReadonlySet<string> | undefined): AppendTargets {
		if (draft.type === 'broadcast') {
			this.#remember(draft.msgid, true);
			return [[redisChannels.all, JSON.stringify({o: this.#node, a: 1} satisfies Header)]];
		}

		const recipients = draft.type === 'msg' ? (dmPair(conversation) ?? [draft.from]) : (members ?? [draft.from]);
		const targets: Array<readonly [string, string]> = [];
		let expected = false;
		// The sending session is here: the sender's user needs this node only for its other sessions.
		for (const [node, users] of this.#byNode(recipients, (node, user, sessions) => node === this.#node && user === draft.from && sessions <= 1)) {
			expected ||= node === this.#node;
			targets.push([redisChannels.node(node), JSON.stringify({o: this.#node, u: users} satisfies Header)]);
		}

		this.#remember(draft.msgid, expected);
		return targets;
	}

	#remember(msgid: string, expected: boolean): void {
		const now = Date.now();
		this.#own.set(msgid, {at: now, expected, named: false, sender: undefined});
		for (const [old, entry] of this.#own) {
			if (entry.at >= now - ownMemoryMs) {
				break;
			}

			this.#own.delete(old);
		}
	}

	/** Online users grouped by the nodes holding them, but those `skip` leaves out. */
	#byNode(users: Iterable<string>, skip: (node: string, user: string, sessions: number) => boolean): Map<string, string[]> {
		const byNode = new Map<string, string[]>();
		const done = new Set<string>();
		for (const user of users) {
			if (done.has(user)) {
				continue;
			}

			done.add(user);
			for (const [node, sessions] of this.#view.nodesOf(user) ?? []) {
				if (!skip(node, user, sessions)) {
					const list = byNode.get(node);
					if (list) {
						list.push(user);
					} else {
						byNode.set(node, [user]);
					}
				}
			}
		}

		return byNode;
	}

	#reached(audience: Audience): number {
		const view = this.#view;
		const reaches = (user: string, total: number) => total - (audience.except?.user === user ? 1 : 0) > 0;
		switch (audience.kind) {
			case 'user': {
				return reaches(audience.user, view.total(audience.user)) ? 1 : 0;
			}

			case 'users': {
				let reached = 0;
				for (const user of new Set(audience.users)) {
					if (reaches(user, view.total(user))) {
						reached++;
					}
				}

				return reached;
			}

			case 'everyone': {
				let reached = 0;
				for (const [user, total] of view.users()) {
					if (reaches(user, total)) {
						reached++;
					}
				}

				return reached;
			}

			case 'watchers': {
				return 0;
			}
		}
	}

	#send(channel: string, header: Header, json: string): void {
		this.#link.call(['PUBLISH', channel, `${JSON.stringify(header)}\n${json}`]).catch(() => {
			// Redis is down (logged once by the link): presence, membership and read events of the outage are not replayed.
		});
	}

	#localCountChanged(user: string): void {
		const sessions = this.#local.sessionCount(user);
		this.#view.set(this.#node, user, sessions);
		// The session list first: a node that hears of the change (the presence script's PUBLISH, sent after it on this connection) finds it.
		this.#link.run(sessionsScript, [redisKeys.nodeSessions(this.#node)], [String(this.#ttlMs * 2), user, sessions > 0 ? this.#sessionListJson(user) : '']).catch(() => {
			// The next heartbeat writes the whole list again.
		});
		this.#link.run(presenceScript, [redisKeys.nodeUsers(this.#node)], [this.#node, user, String(sessions), redisChannels.presence]).catch(() => {
			// The same.
		});
	}

	#sessionListJson(user: string): string {
		return JSON.stringify(this.#local.sessionsOf(user).map(session => session.describe()));
	}

	/**
	Another node's session count of a user changed. When that takes the user online or offline
	cluster-wide, this node tells its own watchers: each node announces what its view sees, so two
	nodes losing a user's last sessions at once still give exactly one offline event everywhere.
	*/
	#presenceMessage(payload: string): void {
		const [node = '', user = '', sessions = '0'] = payload.split(' ');
		if (node === this.#node || this.#closed || node === '' || user === '') {
			return;
		}

		if (user === '-') {
			// A node that stopped normally: its users are already gone one by one; forget the node now.
			this.#liveNodes.delete(node);
			const {wentOffline} = this.#view.replaceNode(node, new Map());
			this.#announce([], wentOffline, true);
			this.#logger.log('info', 'node_left', {node});
			return;
		}

		if (user !== '*' && !/^\d{1,6}$/.test(sessions)) {
			return;
		}

		if (user === '*') {
			this.#loadNode(node).catch(() => {
				// Redis went away again: the next tick reads it.
			});
			return;
		}

		const {before, after} = this.#view.set(node, user, Number(sessions));
		if (before === 0 && after > 0) {
			this.#announce([user], [], true);
		} else if (before > 0 && after === 0) {
			this.#announce([], [user], true);
		}
	}

	#receive(payload: string): void {
		const newline = payload.indexOf('\n');
		if (newline < 0 || this.#closed) {
			return;
		}

		let incoming: Incoming;
		try {
			incoming = {header: JSON.parse(payload.slice(0, newline)) as Header, event: JSON.parse(payload.slice(newline + 1)) as ServerEvent};
		} catch {
			// Not from a natter node (someone else publishing on our channels): ignored.
			return;
		}

		this.#queue.push(incoming);
		this.#drain();
	}

	/** Delivers what came in, in order; a message this node sent waits (briefly) for its core to name the sending session. */
	#drain(): void {
		const queue = this.#queue;
		let done = 0;
		let waiting = false;
		while (done < queue.length && !this.#recovering) {
			const {header, event} = queue[done]!;
			if (header.o === this.#node && isChatMessage(event)) {
				const own = this.#own.get(event.msgid);
				if (own && !own.named && !this.#waitExpired) {
					waiting = true;
					this.#waitTimer ??= setTimeout(() => {
						this.#waitTimer = undefined;
						this.#waitExpired = true;
						this.#drain();
					}, senderWaitMs).unref();
					break;
				}

				this.#waitExpired = false;
				this.#deliverMessage(header, event, own?.sender);
			} else if (isChatMessage(event)) {
				this.#deliverMessage(header, event, undefined);
			} else if (header.o !== this.#node) {
				this.#deliverEvent(header, event);
			}

			done++;
		}

		if (done > 0) {
			queue.splice(0, done);
		}

		if (!waiting && this.#waitTimer) {
			clearTimeout(this.#waitTimer);
			this.#waitTimer = undefined;
		}
	}

	#deliverMessage(header: Header, message: ChatMessage, except: SessionSink | undefined): void {
		const conversation = conversationIdOf(message);
		if (message.seq <= (this.#seen.get(conversation) ?? 0)) {
			return;
		}

		this.#seen.set(conversation, message.seq);
		if (header.a === 1) {
			this.#local.publish({kind: 'everyone', ...(except ? {except} : {})}, message);
		} else if (header.u) {
			this.#local.publish({kind: 'users', users: header.u, ...(except ? {except} : {})}, message);
		}
	}

	#deliverEvent(header: Header, event: ServerEvent): void {
		if (header.e !== undefined) {
			for (const user of header.u ?? []) {
				for (const session of this.#local.sessionsOf(user)) {
					session.end(header.e);
				}
			}
		} else if (header.w === 1) {
			this.#local.publish({kind: 'watchers'}, event);
		} else if (header.a === 1) {
			this.#local.publish({kind: 'everyone'}, event);
		} else if (header.u) {
			this.#local.publish({kind: 'users', users: header.u}, event);
		}
	}

	async #beat(): Promise<void> {
		const pairs: string[] = [];
		for (const {name, sessions} of this.#local.onlineUsers()) {
			pairs.push(name, String(sessions));
		}

		const sessionPairs: string[] = [];
		for (const {name} of this.#local.onlineUsers()) {
			sessionPairs.push(name, this.#sessionListJson(name));
		}

		await Promise.all([
			this.#link.run(heartbeatScript, [redisKeys.nodeUsers(this.#node), redisKeys.nodeAlive(this.#node)], [this.#node, String(this.#ttlMs), redisChannels.presence, ...pairs]),
			this.#link.call(['SADD', redisKeys.nodes, this.#node]),
			this.#link.run(sessionListScript, [redisKeys.nodeSessions(this.#node)], [String(this.#ttlMs * 2), ...sessionPairs]),
		]);
	}

	async #tick(): Promise<void> {
		if (this.#closed || !this.#link.isUp) {
			return;
		}

		try {
			await this.#beat();
			await this.#loadNodes(true);
		} catch {
			// Redis went away mid-tick: the link logs it; the next tick tries again.
		}
	}

	/**
	Checks every known node's heartbeat: a lapsed node is removed and its users leave presence; a
	node this one has not heard of yet is read in full. `full`: re-read every node (after an outage).
	*/
	async #loadNodes(announce: boolean, full = false): Promise<void> {
		const listed = await this.#link.call<string[]>(['SMEMBERS', redisKeys.nodes]);
		const others = [...new Set([...listed, ...this.#liveNodes, ...this.#view.nodes()])].filter(node => node !== this.#node);
		const alive = await Promise.all(others.map(async node => this.#link.call<number>(['EXISTS', redisKeys.nodeAlive(node)])));
		const known = new Set(this.#liveNodes);
		const grace = Date.now() < this.#graceUntil;
		await Promise.all(others.map(async (node, index) => {
			if (alive[index] === 0) {
				if (grace) {
					return;
				}

				await Promise.all([this.#link.call(['SREM', redisKeys.nodes, node]), this.#link.call(['DEL', redisKeys.nodeUsers(node), redisKeys.nodeSessions(node)])]);
				this.#liveNodes.delete(node);
				const {wentOffline} = this.#view.replaceNode(node, new Map());
				this.#logger.log('warn', 'node_gone', {node, users: wentOffline.length});
				this.#announce([], wentOffline, announce);
				return;
			}

			if (full || !known.has(node)) {
				await this.#loadNode(node, announce);
			}
		}));
	}

	/** Reads one node's users and takes them as they are there. */
	async #loadNode(node: string, announce = true): Promise<void> {
		const reply = await this.#link.call(['HGETALL', redisKeys.nodeUsers(node)]);
		const users = new Map<string, number>(hashEntries(reply).map(([user, sessions]) => [user, Number(sessions)]));

		this.#liveNodes.add(node);
		const {cameOnline, wentOffline} = this.#view.replaceNode(node, users);
		this.#announce(cameOnline, wentOffline, announce);
	}

	/** Presence events this node's watchers would otherwise never get (a node crashed, or announcements were missed in an outage). */
	#announce(cameOnline: readonly string[], wentOffline: readonly string[], announce: boolean): void {
		if (!announce) {
			return;
		}

		const ts = new Date().toISOString();
		for (const user of cameOnline) {
			this.#local.publish({kind: 'watchers'}, {type: 'presence', user, online: true, ts});
		}

		for (const user of wentOffline) {
			this.#local.publish({kind: 'watchers'}, {type: 'presence', user, online: false, ts});
		}
	}

	/**
	Back after an outage: announce this node again, re-read presence, and deliver to this node's
	sessions the messages of their conversations appended while its channel was deaf (from the
	streams; at most `recoveryCap` per conversation, the rest a `gap`).
	*/
	async #afterOutage(downSince: number): Promise<void> {
		const upAt = Date.now();
		this.#recovering = true;
		this.#graceUntil = Date.now() + this.#ttlMs + Math.floor(this.#ttlMs / 3);
		try {
			await this.#beat();
			await this.#loadNodes(true, true);
			const recovered = await this.#recover(downSince, upAt);
			if (recovered > 0) {
				this.#logger.log('info', 'recovered', {messages: recovered});
			}
		} catch (error) {
			this.#logger.log('error', 'error', {during: 'redis_recovery', message: messageOf(error)});
		} finally {
			this.#recovering = false;
			this.#drain();
		}
	}

	/**
	The messages appended while this node's channel was deaf: from a second before the outage was
	noticed (a dying connection loses what was in flight) to the moment the channel was back (what
	came after arrives on it; a message delivered both ways is dropped by its seq).
	*/
	async #recover(downSince: number, upAt: number): Promise<number> {
		const window = {since: new Date(downSince - 1000).toISOString(), until: new Date(upAt).toISOString()};
		const conversations = new Set<ConversationId>([...this.#seen.keys(), '*']);
		await Promise.all(this.#local.onlineUsers().map(async ({name}) => {
			const [groups, partners] = await Promise.all([this.#store.groupsOf(name), this.#store.dmPartners(name, 100)]);
			for (const group of groups) {
				conversations.add(groupConversationId(group));
			}

			for (const partner of partners) {
				conversations.add(partner.conversation);
			}
		}));
		let recovered = 0;
		for (const conversation of conversations) {
			// eslint-disable-next-line no-await-in-loop
			recovered += await this.#recoverConversation(conversation, window);
		}

		return recovered;
	}

	async #recoverConversation(conversation: ConversationId, window: {since: string; until: string}): Promise<number> {
		const seen = this.#seen.get(conversation) ?? 0;
		const last = await this.#store.lastSeq(conversation);
		if (last <= seen) {
			return 0;
		}

		const after = Math.max(seen, last - recoveryCap);
		const page = await this.#store.history(conversation, {after, limit: recoveryCap});
		const missed = page.messages.filter(message => message.ts >= window.since && message.ts <= window.until);
		if (missed.length === 0) {
			return 0;
		}

		let users: readonly string[] | undefined;
		if (conversation.startsWith('#')) {
			users = [...(await this.#store.members(conversation.slice(1))) ?? []];
		} else if (conversation !== '*') {
			users = dmPair(conversation) ?? [];
		}

		const header: Header = users === undefined ? {o: '', a: 1} : {o: '', u: users};
		if (seen > 0 && after > seen) {
			const gap = {type: 'gap', after: seen, before: after + 1, skipped: after - seen} as const;
			for (const user of users ?? this.#local.onlineUsers().map(each => each.name)) {
				this.#local.publish({kind: 'user', user}, {...gap, conversation: viewerName(conversation, user)});
			}
		}

		for (const message of missed) {
			// The sending session got its reply: not the message again.
			this.#deliverMessage(header, message, this.#own.get(message.msgid)?.sender);
		}

		return missed.length;
	}

	async #leave(): Promise<void> {
		this.#closed = true;
		clearInterval(this.#heartbeat);
		clearTimeout(this.#waitTimer);
		await Promise.all([
			this.#link.call(['DEL', redisKeys.nodeAlive(this.#node), redisKeys.nodeUsers(this.#node), redisKeys.nodeSessions(this.#node)]),
			this.#link.call(['SREM', redisKeys.nodes, this.#node]),
			this.#link.call(['PUBLISH', redisChannels.presence, `${this.#node} -`]),
		]);
	}
}
