import type {ChatMessage} from '../../source/protocol/index.js';
import type {
	AppendOptions, AppendResult, ChatStore, ConversationId, DmPartner, GroupRecord, HistoryPage, HistoryQuery, MembershipChange, MembershipRemoval,
	MessageDraft,
} from '../core/store.js';
import {StoreUnavailableError} from '../core/store.js';
import {redisChannels, redisKeys} from '../cluster/redis-keys.js';
import {hashEntries, luaScript, type RedisLink, type RedisReply} from '../cluster/redis-link.js';
import {dmPair} from './state.js';

/** Where the append script publishes a stored message: `[channel, header]` pairs (see server/cluster/redis-router.ts). */
export type AppendTargets = ReadonlyArray<readonly [channel: string, header: string]>;

/** Tells the store, per message, which channels need it live; the Redis router implements it. */
export type AppendRouting = (conversation: ConversationId, draft: MessageDraft, members: ReadonlySet<string> | undefined) => AppendTargets;

/**
The hot path, atomic per conversation: the next seq, the stream entry with that id (the stream cut
to about ARGV[1] entries), and the live publishes, in one step, so that every node receives a
conversation's messages in seq order whichever node appended them.
KEYS: seq hash, stream. ARGV: max length (0: unbounded), message JSON before the seq, after it, then channel/header pairs.
*/
const appendScript = luaScript(`
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local message = ARGV[2] .. seq .. ARGV[3]
if tonumber(ARGV[1]) > 0 then
	redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'm', message)
else
	redis.call('XADD', KEYS[2], seq .. '-0', 'm', message)
end
for i = 4, #ARGV, 2 do
	redis.call('PUBLISH', ARGV[i], ARGV[i + 1] .. '\\n' .. message)
end
return seq
`);

/*
The membership scripts touch the group's own slot only (`{#group}`), so Redis Cluster accepts them:
a group exists while its member set does (it goes with its last member). The registry of group
names and each user's group index are other slots, updated by commands sent right after the
script, on the same connection (docs/scale-out.md, "Redis Cluster").
*/

/** KEYS: members. ARGV: group, creator, members channel. */
const createGroupScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`);

/** KEYS: members. ARGV: group, user, members channel. */
const addMemberScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_such_group' end
if redis.call('SADD', KEYS[1], ARGV[2]) == 0 then return 'already_member' end
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 'added'
`);

/** KEYS: members, the group's stream (one slot). ARGV: group, user, members channel. The seq hash stays: numbering goes on. */
const removeMemberScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_such_group' end
if redis.call('SREM', KEYS[1], ARGV[2]) == 0 then return 'not_member' end
redis.call('PUBLISH', ARGV[3], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return 'removed' end
redis.call('DEL', KEYS[2])
return 'removed_group'
`);

/** KEYS: the user's read markers. ARGV: conversation, wanted seq, the conversation's last seq. Only forward, never past the last. */
const markReadScript = luaScript(`
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local wanted = math.min(tonumber(ARGV[2]), tonumber(ARGV[3]))
if wanted > current then
	redis.call('HSET', KEYS[1], ARGV[1], wanted)
	return wanted
end
return current
`);

/** KEYS: a mailbox. ARGV: msgids handed over, oldest first: each leaves the head of the list if it is there. */
const markDeliveredScript = luaScript(`
local removed = 0
for i = 1, #ARGV do
	local head = redis.call('LINDEX', KEYS[1], 0)
	if not head or string.sub(head, 1, #ARGV[i] + 1) ~= ARGV[i] .. '\\n' then break end
	redis.call('LPOP', KEYS[1])
	removed = removed + 1
end
return removed
`);

/**
Forgets a user in one step (so it takes effect in call order with the writes around it): leaves
their groups (an emptied group goes with its stream), drops their DM streams for both partners with
the partners' waiting messages of them, and deletes their own keys. It reaches keys it finds on the
way (the names follow server/cluster/redis-keys.ts), so on a Redis Cluster it would have to be split.
ARGV: the user, the members channel.
*/
const forgetUserScript = luaScript(`
local user = ARGV[1]
local function key(kind, name) return 'natter:user:{' .. name .. '}:' .. kind end
for _, group in ipairs(redis.call('SMEMBERS', key('groups', user))) do
	local members = 'natter:{#' .. group .. '}:members'
	redis.call('SREM', members, user)
	if redis.call('SCARD', members) == 0 then
		redis.call('SREM', 'natter:groups', group)
		redis.call('DEL', 'natter:{#' .. group .. '}:log')
	end
end
for _, conversation in ipairs(redis.call('ZRANGE', key('dms', user), 0, -1)) do
	local comma = string.find(conversation, ',', 1, true)
	local first = string.sub(conversation, 2, comma - 1)
	local partner = first == user and string.sub(conversation, comma + 1) or first
	redis.call('DEL', 'natter:{' .. conversation .. '}:log')
	redis.call('ZREM', key('dms', partner), conversation)
	local mailbox = key('mailbox', partner)
	for _, entry in ipairs(redis.call('LRANGE', mailbox, 0, -1)) do
		local a = string.find(entry, '\\n', 1, true)
		local b = string.find(entry, '\\n', a + 1, true)
		if string.sub(entry, a + 1, b - 1) == conversation then redis.call('LREM', mailbox, 1, entry) end
	end
end
redis.call('DEL', key('dms', user), key('read', user), key('mailbox', user), key('groups', user))
redis.call('PUBLISH', ARGV[2], '*')
return 1
`);

/** Member sets a node keeps at most (past it they are all forgotten and read again as needed). */
const maxKnownGroups = 10_000;

export type RedisStoreOptions = {
	/** Each conversation's stream is cut to about this many messages (XADD MAXLEN ~); 0: unbounded. */
	readonly historyMax: number;
};

/** The message's JSON in its stored field order, split where the seq goes. */
function jsonAround(draft: MessageDraft): [head: string, tail: string] {
	const {type, msgid, ts, from, text} = draft;
	// `/me` actions carry `action: true`, last, as the other stores give them back.
	const action = draft.action ? {action: true} : {};
	const json = JSON.stringify(draft.type === 'msg'
		? {type, msgid, seq: 0, ts, from, to: draft.to, text, ...action}
		: (draft.type === 'group_msg' ? {type, msgid, seq: 0, ts, from, group: draft.group, text, ...action} : {type, msgid, seq: 0, ts, from, text, ...action}));
	// `type` and `msgid` come first and cannot hold it: the first occurrence is the field.
	const at = json.indexOf('"seq":0') + 6;
	return [json.slice(0, at), json.slice(at + 1)];
}

type StreamEntries = Array<[id: string, fields: string[]]>;

function messagesOf(entries: StreamEntries): ChatMessage[] {
	return entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as ChatMessage);
}

/**
The chat's state in Redis, shared by every node (docs/scale-out.md has the key layout). A node's
commands go over one connection, so they run in the order called; a Redis that cannot be reached
rejects at once with a StoreUnavailableError (the core answers `unavailable`).
*/
export class RedisStore implements ChatStore {
	readonly #link: RedisLink;
	readonly #historyMax: number;
	#routing: AppendRouting = () => [];
	/**
	Member sets this node has read, kept until a membership change anywhere says otherwise (the
	scripts that change members publish the group on the members channel; every node drops its
	copy). A group message then costs no read before its append: a session's next command need
	not wait a round trip. Another node's change reaches this copy within the pub/sub latency.
	*/
	readonly #members = new Map<string, ReadonlySet<string>>();
	/** Counts the forgettings: a set read while one happened may be stale, and is not kept. */
	#epoch = 0;
	#closed = false;
	/** Microseconds-ish, strictly increasing on this node: orders DM partners by their last message. */
	#clock = 0;
	readonly #onClose: Array<() => Promise<void>> = [];

	/** A store on `link`, listening for membership changes. */
	static async open(link: RedisLink, options: RedisStoreOptions): Promise<RedisStore> {
		const store = new RedisStore(link, options);
		await link.subscriber.subscribe(redisChannels.members, (group: string) => {
			store.#forget(group);
		});
		// Changes published while this node was not listening are unknown: forget every copy.
		link.onReconnect(() => {
			store.#forget('*');
		});
		return store;
	}

	private constructor(link: RedisLink, options: RedisStoreOptions) {
		this.#link = link;
		this.#historyMax = options.historyMax;
	}

	/** The router that decides where appended messages are published (set once, by the engine). */
	setRouting(routing: AppendRouting): void {
		this.#routing = routing;
	}

	/** Runs before the connection closes (the router leaves the cluster). */
	beforeClose(step: () => Promise<void>): void {
		this.#onClose.push(step);
	}

	async createGroup(group: string, creator: string): Promise<boolean> {
		this.#forget(group);
		// Sent together, in this order: the indexes follow the script on the same connection.
		const [created] = await Promise.all([
			this.#run<number>(createGroupScript, [redisKeys.members(group)], [group, creator, redisChannels.members]),
			this.#call(['SADD', redisKeys.groups, group]),
		]);
		if (created !== 1) {
			return false;
		}

		await this.#call(['SADD', redisKeys.userGroups(creator), group]);
		return true;
	}

	async addMember(group: string, user: string): Promise<MembershipChange> {
		this.#forget(group);
		const change = await this.#run<MembershipChange>(addMemberScript, [redisKeys.members(group)], [group, user, redisChannels.members]);
		if (change === 'added') {
			await this.#call(['SADD', redisKeys.userGroups(user), group]);
		}

		return change;
	}

	async removeMember(group: string, user: string): Promise<MembershipRemoval> {
		this.#forget(group);
		const removal = await this.#run<MembershipRemoval>(removeMemberScript, [redisKeys.members(group), redisKeys.log(`#${group}`)], [group, user, redisChannels.members]);
		if (removal === 'removed' || removal === 'removed_group') {
			await this.#call(['SREM', redisKeys.userGroups(user), group]);
		}

		if (removal === 'removed_group') {
			await this.#unlist(group);
		}

		return removal;
	}

	/**
	Takes a dropped group's name out of the registry, unless another node made a group of that name
	meanwhile: its SADD may have come before this SREM, so the name goes back when the group exists.
	*/
	async #unlist(group: string): Promise<void> {
		await this.#call(['SREM', redisKeys.groups, group]);
		if (await this.#call<number>(['EXISTS', redisKeys.members(group)]) === 1) {
			await this.#call(['SADD', redisKeys.groups, group]);
		}
	}

	async members(group: string): Promise<ReadonlySet<string> | undefined> {
		const known = this.#members.get(group);
		if (known !== undefined) {
			if (this.#closed) {
				throw new StoreUnavailableError('the store is closed');
			}

			return known;
		}

		const epoch = this.#epoch;
		// A group exists while it has members (the registry of names may lag it by a command).
		const names = await this.#call<string[]>(['SMEMBERS', redisKeys.members(group)]);
		if (names.length === 0) {
			return undefined;
		}

		const members = new Set(names);
		if (epoch === this.#epoch) {
			if (this.#members.size >= maxKnownGroups) {
				this.#members.clear();
			}

			this.#members.set(group, members);
		}

		return members;
	}

	async groups(): Promise<readonly GroupRecord[]> {
		const names = await this.#call<string[]>(['SMEMBERS', redisKeys.groups]);
		const sets = await Promise.all(names.map(async name => this.#call<string[]>(['SMEMBERS', redisKeys.members(name)])));
		// A name whose member set is gone is a group being dropped (see #unlist).
		return names.flatMap((name, index) => (sets[index]!.length > 0 ? [{name, members: new Set(sets[index])}] : []));
	}

	async groupsOf(user: string): Promise<readonly string[]> {
		return this.#call<string[]>(['SMEMBERS', redisKeys.userGroups(user)]);
	}

	async append(conversation: ConversationId, draft: MessageDraft, options?: AppendOptions): Promise<AppendResult> {
		const waitingFor = options?.undeliveredTo;
		if (waitingFor !== undefined && options?.mailboxCap !== undefined) {
			// Checked before the append, so a full mailbox stores nothing; concurrent senders may overshoot the cap by a few.
			const waiting = await this.#call<number>(['LLEN', redisKeys.mailbox(waitingFor)]);
			if (waiting >= options.mailboxCap) {
				return {ok: false, reason: 'mailbox_full'};
			}

			const share = options.senderShare;
			if (share !== undefined && waiting >= share) {
				// Entries are `msgid \n conversation \n message`: the DM pair names the sender.
				const entries = await this.#call<string[]>(['LRANGE', redisKeys.mailbox(waitingFor), '0', '-1']);
				const mine = entries.filter(entry => entry.split('\n', 2)[1] === conversation).length;
				if (mine >= share) {
					return {ok: false, reason: 'sender_share_full'};
				}
			}
		}

		const members = draft.type === 'group_msg' ? this.#members.get(draft.group) : undefined;
		const targets = this.#routing(conversation, draft, members);
		const [head, tail] = jsonAround(draft);
		const publishes: string[] = [];
		for (const [channel, header] of targets) {
			publishes.push(channel, header);
		}

		const appending = this.#run<number>(appendScript, [redisKeys.seq(conversation), redisKeys.log(conversation)], [String(this.#historyMax), head, tail, ...publishes]);
		// Sent right behind the script on the same connection: no extra round trip. The reply waits for all of them.
		const pair = dmPair(conversation);
		const listed: Array<Promise<unknown>> = [];
		if (pair) {
			this.#clock = Math.max(this.#clock + 1, Date.now() * 1000);
			const score = String(this.#clock);
			listed.push(this.#call(['ZADD', redisKeys.userDms(pair[0]), score, conversation]));
			if (pair[1] !== pair[0]) {
				listed.push(this.#call(['ZADD', redisKeys.userDms(pair[1]), score, conversation]));
			}
		}

		const [seq] = await Promise.all([appending, ...listed]);
		const json = `${head}${seq}${tail}`;
		const message = JSON.parse(json) as ChatMessage;
		if (waitingFor !== undefined) {
			await this.#call(['RPUSH', redisKeys.mailbox(waitingFor), `${message.msgid}\n${conversation}\n${json}`]);
		}

		return {ok: true, message};
	}

	async history(conversation: ConversationId, query: HistoryQuery): Promise<HistoryPage> {
		const key = redisKeys.log(conversation);
		if (query.after !== undefined) {
			const end = query.before === undefined ? '+' : `${query.before - 1}-0`;
			if (query.before !== undefined && query.before - 1 <= query.after) {
				return {messages: [], more: false};
			}

			const entries = await this.#call<StreamEntries>(['XRANGE', key, `${query.after + 1}-0`, end, 'COUNT', String(query.limit + 1)]);
			const more = entries.length > query.limit;
			return {messages: messagesOf(more ? entries.slice(0, query.limit) : entries), more};
		}

		if (query.before !== undefined && query.before <= 1) {
			return {messages: [], more: false};
		}

		const start = query.before === undefined ? '+' : `${query.before - 1}-0`;
		const entries = await this.#call<StreamEntries>(['XREVRANGE', key, start, '-', 'COUNT', String(query.limit + 1)]);
		const more = entries.length > query.limit;
		return {messages: messagesOf((more ? entries.slice(0, query.limit) : entries).reverse()), more};
	}

	async lastSeq(conversation: ConversationId): Promise<number> {
		return Number(await this.#call<string | null>(['HGET', redisKeys.seq(conversation), 'seq']) ?? 0);
	}

	async firstKeptSeq(conversation: ConversationId): Promise<number | undefined> {
		const [entry] = await this.#call<StreamEntries>(['XRANGE', redisKeys.log(conversation), '-', '+', 'COUNT', '1']);
		return entry === undefined ? undefined : Number.parseInt(entry[0], 10);
	}

	async dmPartners(user: string, limit: number): Promise<readonly DmPartner[]> {
		const conversations = await this.#call<string[]>(['ZREVRANGE', redisKeys.userDms(user), '0', String(Math.max(0, limit - 1))]);
		const lastSeqs = await Promise.all(conversations.map(async conversation => this.lastSeq(conversation)));
		return conversations.map((conversation, index) => {
			const pair = dmPair(conversation) ?? [user, user];
			return {partner: pair[0] === user ? pair[1] : pair[0], conversation, lastSeq: lastSeqs[index]!};
		});
	}

	async markRead(user: string, conversation: ConversationId, seq: number): Promise<number> {
		const last = await this.lastSeq(conversation);
		return this.#run<number>(markReadScript, [redisKeys.userRead(user)], [conversation, String(seq), String(last)]);
	}

	async readMarkers(user: string): Promise<ReadonlyMap<ConversationId, number>> {
		const reply = await this.#call(['HGETALL', redisKeys.userRead(user)]);
		return new Map(hashEntries(reply).map(([conversation, seq]) => [conversation, Number(seq)]));
	}

	async undelivered(user: string): Promise<readonly ChatMessage[]> {
		const entries = await this.#call<string[]>(['LRANGE', redisKeys.mailbox(user), '0', '-1']);
		return entries.map(entry => JSON.parse(entry.slice(entry.indexOf('\n', entry.indexOf('\n') + 1) + 1)) as ChatMessage);
	}

	async markDelivered(user: string, messages: readonly ChatMessage[]): Promise<void> {
		if (messages.length > 0) {
			await this.#run(markDeliveredScript, [redisKeys.mailbox(user)], messages.map(message => message.msgid));
		}
	}

	async undeliveredCount(user: string): Promise<number> {
		return this.#call<number>(['LLEN', redisKeys.mailbox(user)]);
	}

	async forgetUser(user: string): Promise<void> {
		this.#forget('*');
		await this.#run(forgetUserScript, [], [user, redisChannels.members]);
	}

	async close(): Promise<void> {
		if (this.#closed) {
			return;
		}

		this.#closed = true;
		for (const step of this.#onClose) {
			// eslint-disable-next-line no-await-in-loop
			await step().catch(() => {});
		}

		await this.#link.close();
	}

	/** Drops the copy of a group's members (`*`: of every group). */
	#forget(group: string): void {
		this.#epoch++;
		if (group === '*') {
			this.#members.clear();
		} else {
			this.#members.delete(group);
		}
	}

	async #call<T extends RedisReply>(args: readonly string[]): Promise<T> {
		if (this.#closed) {
			throw new StoreUnavailableError('the store is closed');
		}

		return this.#link.call<T>(args);
	}

	async #run<T extends RedisReply>(script: Parameters<RedisLink['run']>[0], keys: readonly string[], args: readonly string[]): Promise<T> {
		if (this.#closed) {
			throw new StoreUnavailableError('the store is closed');
		}

		return this.#link.run<T>(script, keys, args);
	}
}
