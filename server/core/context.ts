import type {Command, ErrorCode, ErrorReply, OkReply} from '../../source/protocol/index.js';
import type {MsgidFactory} from './msgid.js';
import type {Router} from './router.js';
import type {SessionSink} from './session.js';
import type {ChatStore} from './store.js';

/** A command's one reply, before the edge adds the client's request id. */
export type Reply = OkReply | ErrorReply;

export type CoreLimits = {
	/** Undelivered DMs kept per offline user; past it `/msg` answers mailbox_full. */
	readonly mailboxCap: number;
	/** Missed messages sent per conversation on resume; older ones become a `gap`. */
	readonly resumeCap: number;
	/** Missed messages sent in all on one resume (a client may name 1000 conversations); past it, gaps only. */
	readonly resumeTotalCap: number;
	/** DM partners listed at login. */
	readonly dmPartnersAtLogin: number;
	/** Groups on the server; past it `/create_group` answers too_many_groups (0: no limit). */
	readonly maxGroups: number;
	/** Groups one user may be in (created or joined); past it `/create_group` and `/join_group` answer too_many_groups (0: no limit). */
	readonly maxGroupsPerUser: number;
};

/** What a command handler may touch. */
export type CoreContext = {
	readonly router: Router;
	readonly store: ChatStore;
	readonly msgids: MsgidFactory;
	readonly limits: CoreLimits;
	/** Is `user` in users.txt (known, whether online or not)? */
	isRegistered(user: string): boolean;
	/** Server time as an ISO 8601 UTC string. */
	timestamp(): string;
};

/**
A command handler. `applied` is called once the command's write has been handed to the store
(the store applies calls in order, so the session's next command may start then, while this one
waits for its commit); a handler that writes nothing need not call it.
*/
export type Handler<C extends Command> = (context: CoreContext, session: SessionSink, command: C, applied: () => void) => Promise<Reply>;

export type HandlerTable = {readonly [K in Command['type']]: Handler<Extract<Command, {type: K}>>};

export function failure(command: Command['type'], code: ErrorCode, message: string): ErrorReply {
	return {type: 'error', code, message, command};
}

export function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}
