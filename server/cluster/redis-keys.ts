import type {ConversationId} from '../core/store.js';

/**
Every Redis key and channel natter uses. A conversation's keys carry it as a `{hash tag}`, so on a
Redis Cluster its seq counter and its stream live on one shard and the append script stays legal;
a node's keys carry the node id the same way, so its heartbeat script and its leaving `DEL` touch
one slot. docs/scale-out.md ("Redis Cluster") lists which scripts still span slots.
*/
export const redisKeys = {
	/** Hash `seq` → the conversation's last seq (kept when its messages or its group are gone). */
	seq: (conversation: ConversationId) => `natter:{${conversation}}:seq`,
	/** Stream of the conversation's messages, entry id `<seq>-0`, field `m` the message JSON. */
	log: (conversation: ConversationId) => `natter:{${conversation}}:log`,
	/** Set of the group's members (same slot as the group's stream). */
	members: (group: string) => `natter:{#${group}}:members`,
	/** Set of every group name. */
	groups: 'natter:groups',
	userGroups: (user: string) => `natter:user:{${user}}:groups`,
	/** Sorted set: the user's DM conversations, scored by the time of their last message. */
	userDms: (user: string) => `natter:user:{${user}}:dms`,
	/** Hash conversation → read marker. */
	userRead: (user: string) => `natter:user:{${user}}:read`,
	/** List of DMs waiting for the user, oldest first: `msgid \n conversation \n message JSON`. */
	mailbox: (user: string) => `natter:user:{${user}}:mailbox`,
	/** Set of the node ids that have announced themselves. */
	nodes: 'natter:nodes',
	/** Hash user → sessions on that node; expires with the node's heartbeat. */
	nodeUsers: (node: string) => `natter:node:{${node}}:users`,
	/** Hash user → that user's sessions on the node (JSON: id, mode, address, since), for /sessions; expires with the node's heartbeat. */
	nodeSessions: (node: string) => `natter:node:{${node}}:sessions`,
	/** Present while the node is alive (PX = the presence TTL, renewed every third of it). */
	nodeAlive: (node: string) => `natter:node:{${node}}:alive`,
} as const;

export const redisChannels = {
	/** What one node's sessions need: messages and events for its users. */
	node: (node: string) => `natter:node:${node}`,
	/** Broadcasts and presence events: every node. */
	all: 'natter:all',
	/** `<node> <user> <sessions>` whenever a node's session count of a user changes. */
	presence: 'natter:presence',
	/** A group whose members changed (`*`: any may have): every node drops its copy of the member set. */
	members: 'natter:members',
} as const;
