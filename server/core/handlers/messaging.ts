import {parseConversation, type ChatMessage} from '../../../source/protocol/index.js';
import {failure, plural, type CoreContext, type Handler, type Reply} from '../context.js';
import type {SessionSink} from '../session.js';
import {BROADCAST_ID, dmConversationId, groupConversationId, mailboxShare, type ConversationId, type MessageDraft} from '../store.js';

function stamp(context: CoreContext, session: SessionSink): {msgid: string; ts: string; from: string} {
	return {msgid: context.msgids.next(), ts: context.timestamp(), from: session.user};
}

async function append(context: CoreContext, conversation: ConversationId, draft: MessageDraft, applied: () => void): Promise<ChatMessage> {
	const appending = context.store.append(conversation, draft);
	applied();
	const result = await appending;
	if (!result.ok) {
		throw new Error(`append refused: ${result.reason}`);
	}

	return result.message;
}

/** The command a message was sent with: `me` makes it an action (`action: true`) and names the reply. */
type Sent = 'msg' | 'broadcast' | 'group_msg' | 'me';

/** `/msg`: stored, then to every session of the recipient and the sender's other sessions; kept for later when the recipient is offline. */
export const msg: Handler<{type: 'msg'; to: string; text: string}> = (context, session, command, applied) => sendPrivate(context, session, command, applied, 'msg');

/*
Not an async function, and no `append` helper: a `/msg` waits for its commit, and under load
thousands wait at once, so each async frame and promise it holds meanwhile is copied by every
scavenge until the commit lands.
*/
function sendPrivate(context: CoreContext, session: SessionSink, command: {to: string; text: string}, applied: () => void, sent: Sent): Promise<Reply> {
	const {router, store} = context;
	const self = command.to === session.user;
	if (!self && !context.isRegistered(command.to)) {
		return Promise.resolve(failure(sent, 'unknown_user', `no user named ${command.to}`));
	}

	const plain = {type: 'msg', ...stamp(context, session), to: command.to, text: command.text} as const;
	const draft: MessageDraft = sent === 'me' ? {...plain, action: true} : plain;
	const conversation = dmConversationId(session.user, command.to);
	const replyTo = sent === 'me' ? 'me' : 'msg';
	if (!self && !router.isOnline(command.to)) {
		const {mailboxCap} = context.limits;
		const share = mailboxShare(mailboxCap);
		const storing = store.append(conversation, draft, {undeliveredTo: command.to, mailboxCap, senderShare: share});
		applied();
		return storing.then(result => {
			if (!result.ok) {
				return failure(sent, 'mailbox_full', result.reason === 'mailbox_full'
					? `${command.to} is offline and already has ${mailboxCap} messages waiting; try again when they are back`
					: `${command.to} is offline and already has ${share} of your messages waiting (at most ${share} from one sender); try again when they are back`);
			}

			router.publish({kind: 'user', user: session.user, except: session}, result.message);
			return {type: 'ok', command: replyTo, text: `${command.to} is offline: stored, delivered when they next log in`, message: result.message, recipients: 0, stored: true};
		});
	}

	const appending = store.append(conversation, draft);
	applied();
	return appending.then(result => {
		if (!result.ok) {
			throw new Error(`append refused: ${result.reason}`);
		}

		const {message} = result;
		const reached = router.publish({kind: 'user', user: command.to, except: session}, message);
		if (!self) {
			router.publish({kind: 'user', user: session.user, except: session}, message);
		}

		return {type: 'ok', command: replyTo, text: self ? 'sent to yourself' : `sent to ${command.to}`, message, recipients: self ? 0 : reached};
	});
}

/** `/broadcast`: stored, then to every session of every logged-in user but the sending one. */
export const broadcast: Handler<{type: 'broadcast'; text: string}> = async (context, session, command, applied) => sendBroadcast(context, session, command, applied, 'broadcast');

async function sendBroadcast(context: CoreContext, session: SessionSink, command: {text: string}, applied: () => void, sent: Sent): ReturnType<Handler<{type: 'broadcast'; text: string}>> {
	const plain = {type: 'broadcast', ...stamp(context, session), text: command.text} as const;
	const message = await append(context, BROADCAST_ID, sent === 'me' ? {...plain, action: true} : plain, applied);
	const reached = context.router.publish({kind: 'everyone', except: session}, message);
	// The sender's own other sessions are not counted as recipients.
	const recipients = context.router.sessionCount(session.user) > 1 ? reached - 1 : reached;
	return {type: 'ok', command: sent === 'me' ? 'me' : 'broadcast', text: `sent to ${plural(recipients, 'other user')} online`, message, recipients};
}

/** `/group_msg`: members only; stored, then to every online session of every member but the sending one. */
export const groupMsg: Handler<{type: 'group_msg'; group: string; text: string}> = async (context, session, command, applied) => sendGroup(context, session, command, applied, 'group_msg');

async function sendGroup(context: CoreContext, session: SessionSink, command: {group: string; text: string}, applied: () => void, sent: Sent): ReturnType<Handler<{type: 'group_msg'; group: string; text: string}>> {
	const members = await context.store.members(command.group);
	if (!members) {
		return failure(sent, 'no_such_group', `no group named #${command.group}`);
	}

	if (!members.has(session.user)) {
		return failure(sent, 'not_member', `you are not in #${command.group} (join it with /join_group ${command.group})`);
	}

	const plain = {type: 'group_msg', ...stamp(context, session), group: command.group, text: command.text} as const;
	const message = await append(context, groupConversationId(command.group), sent === 'me' ? {...plain, action: true} : plain, applied);
	const reached = context.router.publish({kind: 'users', users: members, except: session}, message);
	const recipients = context.router.sessionCount(session.user) > 1 ? reached - 1 : reached;
	return {type: 'ok', command: sent === 'me' ? 'me' : 'group_msg', text: `sent to #${command.group} (${plural(recipients, 'other member')} online)`, message, recipients};
}

/** `/me <conversation> <text>`: the same paths as `/msg`, `/group_msg` and `/broadcast`, the message marked `action`. */
export const me: Handler<{type: 'me'; conversation: string; text: string}> = async (context, session, command, applied) => {
	const conversation = parseConversation(command.conversation);
	if (!conversation.ok) {
		return failure('me', 'bad_argument', conversation.message);
	}

	const {ref} = conversation;
	switch (ref.kind) {
		case 'group': {
			return sendGroup(context, session, {group: ref.group, text: command.text}, applied, 'me');
		}

		case 'dm': {
			return sendPrivate(context, session, {to: ref.user, text: command.text}, applied, 'me');
		}

		case 'broadcast': {
			return sendBroadcast(context, session, command, applied, 'me');
		}
	}
};
