import type {IrcSession} from './irc-session.js';

/** Once NICK, USER and CAP END (when CAP began) are in: log in with PASS, or let the SASL login attach. */
export function maybeRegister(session: IrcSession): void | Promise<void> {
	if (session.registered || session.passChecking || session.capOpen || session.nick === '' || !session.userGiven || session.sasl === 'checking') {
		return;
	}

	if (session.sasl === 'accepted') {
		const {attach} = session;
		session.attach = undefined;
		attach?.();
		return;
	}

	if (session.password !== undefined) {
		const {password} = session;
		session.password = undefined;
		session.loginVia = 'pass';
		session.passChecking = true;
		return session.host.login(session.nick, password, {}).then(() => {
			session.passChecking = false;
			afterLogin(session);
		});
	}

	session.numeric('464', [], 'Password required: connect with your natter password (PASS, or SASL PLAIN)');
	session.host.end('too_many_attempts', 'a natter password is required');
}

/** The welcome is out: NAMES for the groups joined at login. */
export function afterLogin(session: IrcSession): void {
	if (!session.host.loggedIn || !session.registered) {
		return;
	}

	for (const group of session.groupsAtLogin) {
		void session.host.respond(session.channelState(group));
	}
}
