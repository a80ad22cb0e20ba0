import type {ByeReason} from '../../source/protocol/index.js';
import type {Envelope} from './envelope.js';

/** What `/sessions` shows of a session. */
export type SessionDescription = {
	readonly id: number;
	readonly mode: string;
	readonly address: string;
	/** When it logged in, ISO 8601 UTC. */
	readonly since: string;
};

/**
Where the core delivers events for one logged-in session. The core knows nothing about sockets:
the network edge implements this per connection, tests implement it with an array.
*/
export type SessionSink = {
	/** The logged-in user, normalized (lower case). */
	readonly user: string;
	/**
	Does this session hear `presence` events? Opt-in for JSON clients (`hello` with `presence: true`),
	on for text mode: sent to everyone, each login would cost a delivery per online session, and a
	storm of N logins N²/2 of them.
	*/
	readonly watchesPresence?: boolean;
	/** A live event routed to this session; while held (see `hold`), kept back in order. */
	deliver(envelope: Envelope): void;
	/** An event for this session alone, written at once even while live events are held (replies, backlog). */
	send(envelope: Envelope): void;
	/** Keep live deliveries back (while a backlog is sent first). */
	hold(): void;
	/** Write the live deliveries kept back, in order, but those `skip` says were already sent; then deliver as usual. */
	release(skip: (envelope: Envelope) => boolean): void;
	/** Resolves when the session's unsent output is small enough for more backlog. */
	ready(): Promise<void>;
	/** Ends the session: a `bye` with this reason, then the connection closes (and the session detaches). */
	end(reason: ByeReason): void;
	describe(): SessionDescription;
};
