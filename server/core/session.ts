import type {OutboundEvent} from './outbound.js';

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
	deliver(event: OutboundEvent): void;
};
