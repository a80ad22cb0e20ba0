import type {OutboundEvent} from './outbound.js';
import type {SessionSink} from './session.js';

/** Who is online: every logged-in session, by user. A user with no session is not in here. */
export class Presence {
	readonly #sessions = new Map<string, Set<SessionSink>>();

	/** Adds a session; true when it is the user's first (the user just came online). */
	add(session: SessionSink): boolean {
		const existing = this.#sessions.get(session.user);
		if (existing) {
			existing.add(session);
			return false;
		}

		this.#sessions.set(session.user, new Set([session]));
		return true;
	}

	/** Removes a session; true when it was the user's last (the user just went offline). */
	remove(session: SessionSink): boolean {
		const sessions = this.#sessions.get(session.user);
		if (!sessions?.delete(session)) {
			return false;
		}

		if (sessions.size === 0) {
			this.#sessions.delete(session.user);
			return true;
		}

		return false;
	}

	isOnline(user: string): boolean {
		return this.#sessions.has(user);
	}

	sessionCount(user: string): number {
		return this.#sessions.get(user)?.size ?? 0;
	}

	get userCount(): number {
		return this.#sessions.size;
	}

	users(): IterableIterator<[string, ReadonlySet<SessionSink>]> {
		return this.#sessions.entries();
	}

	/** Delivers to every session of `user` but `except`; returns how many sessions got it. */
	deliverToUser(user: string, event: OutboundEvent, except?: SessionSink): number {
		const sessions = this.#sessions.get(user);
		if (!sessions) {
			return 0;
		}

		let delivered = 0;
		for (const session of sessions) {
			if (session !== except) {
				session.deliver(event);
				delivered++;
			}
		}

		return delivered;
	}

	/** Delivers to every session of every user but `except`; returns how many users got it. */
	deliverToAll(event: OutboundEvent, except?: SessionSink): number {
		let users = 0;
		for (const user of this.#sessions.keys()) {
			if (this.deliverToUser(user, event, except) > 0) {
				users++;
			}
		}

		return users;
	}
}
