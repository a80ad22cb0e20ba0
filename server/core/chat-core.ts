import type {Command} from '../../source/protocol/index.js';
import type {CoreContext, Reply} from './context.js';
import {handlers} from './handlers/index.js';
import {OutboundEvent} from './outbound.js';
import {Presence} from './presence.js';
import type {SessionSink} from './session.js';
import {MemoryStore, type ChatStore} from './store.js';

export type ChatCoreOptions = {
	/** Is `user` registered (in users.txt)? Tells `offline` from `unknown_user`. */
	readonly isRegistered: (user: string) => boolean;
	readonly store?: ChatStore;
	readonly now?: () => Date;
};

/**
The routing core: presence, groups, message ids and timestamps. Sessions come in through
`attach`, commands through `execute` (which returns the command's one reply); everything
else a session receives is delivered to its sink.
*/
export class ChatCore {
	readonly #context: CoreContext;

	constructor(options: ChatCoreOptions) {
		const now = options.now ?? (() => new Date());
		this.#context = {
			presence: new Presence(),
			store: options.store ?? new MemoryStore(),
			isRegistered: options.isRegistered,
			timestamp: () => now().toISOString(),
		};
	}

	/** Users with at least one session. */
	get onlineCount(): number {
		return this.#context.presence.userCount;
	}

	/** A logged-in session joins; when it is its user's first, everyone else hears the user came online. */
	attach(session: SessionSink): void {
		const {presence} = this.#context;
		if (presence.add(session)) {
			presence.deliverToWatchers(this.#presenceEvent(session.user, true), session);
		}
	}

	/** A session is gone (exit, crash, network loss); when it was its user's last, everyone hears so. */
	detach(session: SessionSink): void {
		const {presence} = this.#context;
		if (presence.remove(session)) {
			presence.deliverToWatchers(this.#presenceEvent(session.user, false));
		}
	}

	execute(session: SessionSink, command: Command): Reply {
		const handler = handlers[command.type] as (context: CoreContext, session: SessionSink, command: Command) => Reply;
		return handler(this.#context, session, command);
	}

	#presenceEvent(user: string, online: boolean): OutboundEvent {
		return new OutboundEvent({type: 'presence', user, online, ts: this.#context.timestamp()});
	}
}
