import type {Envelope} from './envelope.js';
import type {SessionSink} from './session.js';

/**
Who is online: every logged-in session, by user. A user with no session is not in here.
Sessions per user are a small array, walked with an index: fan-out allocates no iterator per recipient.
*/
export class Presence {
	readonly #sessions = new Map<string, SessionSink[]>();
	/** The sessions that hear presence events, so a login costs nothing per session that does not. */
	readonly #watchers = new Set<SessionSink>();

	/** Adds a session; true when it is the user's first (the user just came online). */
	add(session: SessionSink): boolean {
		if (session.watchesPresence) {
			this.#watchers.add(session);
		}

		const existing = this.#sessions.get(session.user);
		if (existing) {
			if (!existing.includes(session)) {
				existing.push(session);
			}

			return false;
		}

		this.#sessions.set(session.user, [session]);
		return true;
	}

	/** Removes a session; true when it was the user's last (the user just went offline). */
	remove(session: SessionSink): boolean {
		this.#watchers.delete(session);
		const sessions = this.#sessions.get(session.user);
		const index = sessions ? sessions.indexOf(session) : -1;
		if (!sessions || index === -1) {
			return false;
		}

		sessions.splice(index, 1);
		if (sessions.length === 0) {
			this.#sessions.delete(session.user);
			return true;
		}

		return false;
	}

	isOnline(user: string): boolean {
		return this.#sessions.has(user);
	}

	sessionsOf(user: string): readonly SessionSink[] {
		return [...(this.#sessions.get(user) ?? [])];
	}

	sessionCount(user: string): number {
		return this.#sessions.get(user)?.length ?? 0;
	}

	get userCount(): number {
		return this.#sessions.size;
	}

	users(): IterableIterator<[string, readonly SessionSink[]]> {
		return this.#sessions.entries();
	}

	/** Delivers to every session of `user` but `except`; returns how many sessions got it. */
	deliverToUser(user: string, event: Envelope, except?: SessionSink): number {
		const sessions = this.#sessions.get(user);
		return sessions ? deliverTo(sessions, event, except) : 0;
	}

	/** Delivers a presence event to every watching session but `except`. */
	deliverToWatchers(event: Envelope, except?: SessionSink): void {
		for (const session of this.#watchers) {
			if (session !== except) {
				session.deliver(event);
			}
		}
	}

	/** Delivers to every session of every user but `except`; returns how many users got it. */
	deliverToAll(event: Envelope, except?: SessionSink): number {
		let users = 0;
		for (const sessions of this.#sessions.values()) {
			if (deliverTo(sessions, event, except) > 0) {
				users++;
			}
		}

		return users;
	}
}

function deliverTo(sessions: readonly SessionSink[], event: Envelope, except: SessionSink | undefined): number {
	let delivered = 0;
	// Stable while walked: a delivery never detaches a session synchronously (a dropped slow reader leaves on its close event).
	for (let index = 0; index < sessions.length; index++) {
		const session = sessions[index]!;
		if (session !== except) {
			session.deliver(event);
			delivered++;
		}
	}

	return delivered;
}
