/**
Who is online on which node, as this node knows it: its own sessions exactly, the other nodes'
from their presence messages and heartbeats. Pure bookkeeping: the router decides what to send.
*/
export class ClusterPresence {
	readonly #byNode = new Map<string, Map<string, number>>();
	readonly #byUser = new Map<string, Map<string, number>>();
	readonly #totals = new Map<string, number>();

	/** Sets `node`'s session count of `user` (0: none); returns the user's total before and after. */
	set(node: string, user: string, sessions: number): {before: number; after: number} {
		const before = this.#totals.get(user) ?? 0;
		const nodeUsers = this.#byNode.get(node) ?? new Map<string, number>();
		const old = nodeUsers.get(user) ?? 0;
		const userNodes = this.#byUser.get(user) ?? new Map<string, number>();
		if (sessions > 0) {
			nodeUsers.set(user, sessions);
			userNodes.set(node, sessions);
			this.#byNode.set(node, nodeUsers);
			this.#byUser.set(user, userNodes);
		} else {
			nodeUsers.delete(user);
			userNodes.delete(node);
			if (userNodes.size === 0) {
				this.#byUser.delete(user);
			}
		}

		const after = before - old + sessions;
		if (after > 0) {
			this.#totals.set(user, after);
		} else {
			this.#totals.delete(user);
		}

		return {before, after};
	}

	/** Replaces everything known of `node` (empty: the node is gone); returns the users whose total went to or from 0. */
	replaceNode(node: string, users: ReadonlyMap<string, number>): {cameOnline: string[]; wentOffline: string[]} {
		const cameOnline: string[] = [];
		const wentOffline: string[] = [];
		const names = new Set([...(this.#byNode.get(node)?.keys() ?? []), ...users.keys()]);
		for (const user of names) {
			const {before, after} = this.set(node, user, users.get(user) ?? 0);
			if (before === 0 && after > 0) {
				cameOnline.push(user);
			} else if (before > 0 && after === 0) {
				wentOffline.push(user);
			}
		}

		if (users.size === 0) {
			this.#byNode.delete(node);
		}

		return {cameOnline, wentOffline};
	}

	nodes(): string[] {
		return [...this.#byNode.keys()];
	}

	/** Sessions of `user` on every node. */
	total(user: string): number {
		return this.#totals.get(user) ?? 0;
	}

	on(node: string, user: string): number {
		return this.#byNode.get(node)?.get(user) ?? 0;
	}

	/** The nodes with at least one session of `user`. */
	nodesOf(user: string): ReadonlyMap<string, number> | undefined {
		return this.#byUser.get(user);
	}

	users(): IterableIterator<[string, number]> {
		return this.#totals.entries();
	}

	get userCount(): number {
		return this.#totals.size;
	}
}
