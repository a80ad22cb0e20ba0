import type {OutboundEvent} from './outbound.js';

/**
Where the core delivers events for one logged-in session. The core knows nothing about sockets:
the network edge implements this per connection, tests implement it with an array.
*/
export type SessionSink = {
	/** The logged-in user, normalized (lower case). */
	readonly user: string;
	deliver(event: OutboundEvent): void;
};
