import type {Command, ErrorCode, ErrorReply, OkReply} from '../../source/protocol/index.js';
import type {Presence} from './presence.js';
import type {SessionSink} from './session.js';
import type {ChatStore} from './store.js';

/** A command's one reply, before the edge adds the client's request id. */
export type Reply = OkReply | ErrorReply;

/** What a command handler may touch. */
export type CoreContext = {
	readonly presence: Presence;
	readonly store: ChatStore;
	/** Is `user` in users.txt (known, whether online or not)? */
	isRegistered(user: string): boolean;
	/** Server time as an ISO 8601 UTC string. */
	timestamp(): string;
};

export type Handler<C extends Command> = (context: CoreContext, session: SessionSink, command: C) => Reply;

export type HandlerTable = {readonly [K in Command['type']]: Handler<Extract<Command, {type: K}>>};

export function failure(command: Command['type'], code: ErrorCode, message: string): ErrorReply {
	return {type: 'error', code, message, command};
}

export function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}
