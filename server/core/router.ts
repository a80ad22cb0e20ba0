import type {ByeReason, ServerEvent} from '../../source/protocol/index.js';
import {Envelope} from './envelope.js';
import {Presence} from './presence.js';
import type {SessionDescription, SessionSink} from './session.js';

/** Who an event is for. `except`: the session that caused it (it gets a reply instead). */
export type Audience =
	| {readonly kind: 'user'; readonly user: string; readonly except?: SessionSink}
	| {readonly kind: 'users'; readonly users: Iterable<string>; readonly except?: SessionSink}
	| {readonly kind: 'everyone'; readonly except?: SessionSink}
	/** The sessions that asked for presence events. */
	| {readonly kind: 'watchers'; readonly except?: SessionSink};

/**
Presence and fan-out: which sessions are online, and getting an event to an audience. The core
hands every delivery here; the in-process router below delivers to this process's sessions, a
shared one (Redis) also reaches other nodes.
*/
export type Router = {
	/** A session logs in; true when it is its user's first. */
	attach(session: SessionSink): boolean;
	/** A session is gone; true when it was its user's last. */
	detach(session: SessionSink): boolean;
	/** Delivers to the audience; returns how many users (not sessions) it reached, `except`'s user not counted unless it had other sessions. */
	publish(audience: Audience, event: ServerEvent): number;
	isOnline(user: string): boolean;
	sessionCount(user: string): number;
	/** This node's sessions of `user`. */
	sessionsOf(user: string): readonly SessionSink[];
	/** A router shared by several nodes: this node's name (shown by /sessions). */
	readonly node?: string;
	/** A router shared by several nodes: `user`'s sessions on the other nodes, as those nodes last published them. */
	sessionsElsewhere?(user: string): Promise<ReadonlyArray<SessionDescription & {readonly node: string}>>;
	/** A router shared by several nodes: ends `user`'s sessions on the other nodes (bye `reason`); returns how many there were. */
	endElsewhere?(user: string, reason: ByeReason): number;
	/** Online users with their session counts. */
	onlineUsers(): Array<{name: string; sessions: number}>;
	readonly userCount: number;
};

/** The router of one process: today's presence fan-out. Each event is wrapped once, so each wire format encodes it once. */
export class LocalRouter implements Router {
	readonly #presence = new Presence();

	attach(session: SessionSink): boolean {
		return this.#presence.add(session);
	}

	detach(session: SessionSink): boolean {
		return this.#presence.remove(session);
	}

	publish(audience: Audience, event: ServerEvent): number {
		const envelope = new Envelope(event);
		const presence = this.#presence;
		switch (audience.kind) {
			case 'user': {
				return presence.deliverToUser(audience.user, envelope, audience.except) > 0 ? 1 : 0;
			}

			case 'users': {
				let reached = 0;
				for (const user of audience.users) {
					if (presence.deliverToUser(user, envelope, audience.except) > 0) {
						reached++;
					}
				}

				return reached;
			}

			case 'everyone': {
				return presence.deliverToAll(envelope, audience.except);
			}

			case 'watchers': {
				presence.deliverToWatchers(envelope, audience.except);
				return 0;
			}
		}
	}

	isOnline(user: string): boolean {
		return this.#presence.isOnline(user);
	}

	sessionCount(user: string): number {
		return this.#presence.sessionCount(user);
	}

	sessionsOf(user: string): readonly SessionSink[] {
		return this.#presence.sessionsOf(user);
	}

	onlineUsers(): Array<{name: string; sessions: number}> {
		const list: Array<{name: string; sessions: number}> = [];
		for (const [name, sessions] of this.#presence.users()) {
			list.push({name, sessions: sessions.length});
		}

		return list;
	}

	get userCount(): number {
		return this.#presence.userCount;
	}
}
