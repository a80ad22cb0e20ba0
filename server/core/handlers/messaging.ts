import {OutboundEvent} from '../outbound.js';
import {failure, plural, type Handler} from '../context.js';

/** `/msg`: every session of the recipient, and the sender's other sessions. */
export const msg: Handler<{type: 'msg'; to: string; text: string}> = (context, session, command) => {
	const {presence, store} = context;
	if (!presence.isOnline(command.to)) {
		return context.isRegistered(command.to)
			? failure('msg', 'offline', `${command.to} is offline`)
			: failure('msg', 'unknown_user', `no user named ${command.to}`);
	}

	const message = {type: 'msg', id: store.nextMessageId(), ts: context.timestamp(), from: session.user, to: command.to, text: command.text} as const;
	const event = new OutboundEvent(message);
	const reached = presence.deliverToUser(command.to, event, session);
	if (command.to !== session.user) {
		presence.deliverToUser(session.user, event, session);
	}

	const recipients = command.to === session.user ? 0 : (reached > 0 ? 1 : 0);
	return {type: 'ok', command: 'msg', text: command.to === session.user ? 'sent to yourself' : `sent to ${command.to}`, message, recipients};
};

/** `/broadcast`: every session of every logged-in user but the sending one. */
export const broadcast: Handler<{type: 'broadcast'; text: string}> = (context, session, command) => {
	const message = {type: 'broadcast', id: context.store.nextMessageId(), ts: context.timestamp(), from: session.user, text: command.text} as const;
	const reached = context.presence.deliverToAll(new OutboundEvent(message), session);
	// The sender's own other sessions are not counted as recipients.
	const recipients = context.presence.sessionCount(session.user) > 1 ? reached - 1 : reached;
	return {type: 'ok', command: 'broadcast', text: `sent to ${plural(recipients, 'other user')} online`, message, recipients};
};

/** `/group_msg`: every online session of every member but the sending one; members only. */
export const groupMsg: Handler<{type: 'group_msg'; group: string; text: string}> = (context, session, command) => {
	const members = context.store.members(command.group);
	if (!members) {
		return failure('group_msg', 'no_such_group', `no group named #${command.group}`);
	}

	if (!members.has(session.user)) {
		return failure('group_msg', 'not_member', `you are not in #${command.group} (join it with /join_group ${command.group})`);
	}

	const message = {type: 'group_msg', id: context.store.nextMessageId(), ts: context.timestamp(), from: session.user, group: command.group, text: command.text} as const;
	const event = new OutboundEvent(message);
	let recipients = 0;
	for (const member of members) {
		if (context.presence.deliverToUser(member, event, session) > 0 && member !== session.user) {
			recipients++;
		}
	}

	return {type: 'ok', command: 'group_msg', text: `sent to #${command.group} (${plural(recipients, 'other member')} online)`, message, recipients};
};
