/**
The state that outlives connections: groups with their members (by user name) and the message
id sequence. The core reaches it only through this interface, so a store shared between nodes
(Redis) can replace the in-memory one.
*/
export type ChatStore = {
	nextMessageId(): number;
	hasGroup(group: string): boolean;
	/** False when the group already exists. */
	createGroup(group: string, creator: string): boolean;
	addMember(group: string, user: string): 'added' | 'no_such_group' | 'already_member';
	/** `removed_group`: the user was the last member, so the group is gone. */
	removeMember(group: string, user: string): 'removed' | 'removed_group' | 'no_such_group' | 'not_member';
	members(group: string): ReadonlySet<string> | undefined;
	groups(): IterableIterator<[string, ReadonlySet<string>]>;
};

export class MemoryStore implements ChatStore {
	readonly #groups = new Map<string, Set<string>>();
	#lastMessageId = 0;

	nextMessageId(): number {
		return ++this.#lastMessageId;
	}

	hasGroup(group: string): boolean {
		return this.#groups.has(group);
	}

	createGroup(group: string, creator: string): boolean {
		if (this.#groups.has(group)) {
			return false;
		}

		this.#groups.set(group, new Set([creator]));
		return true;
	}

	addMember(group: string, user: string): 'added' | 'no_such_group' | 'already_member' {
		const members = this.#groups.get(group);
		if (!members) {
			return 'no_such_group';
		}

		if (members.has(user)) {
			return 'already_member';
		}

		members.add(user);
		return 'added';
	}

	removeMember(group: string, user: string): 'removed' | 'removed_group' | 'no_such_group' | 'not_member' {
		const members = this.#groups.get(group);
		if (!members) {
			return 'no_such_group';
		}

		if (!members.delete(user)) {
			return 'not_member';
		}

		if (members.size === 0) {
			this.#groups.delete(group);
			return 'removed_group';
		}

		return 'removed';
	}

	members(group: string): ReadonlySet<string> | undefined {
		return this.#groups.get(group);
	}

	groups(): IterableIterator<[string, ReadonlySet<string>]> {
		return this.#groups.entries();
	}
}
