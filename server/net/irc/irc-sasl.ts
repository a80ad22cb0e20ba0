import {Buffer} from 'node:buffer';
import {normalizeName} from '../../../source/protocol/index.js';
import {userMask} from './irc-line.js';
import {afterLogin, maybeRegister} from './irc-login.js';
import type {IrcSession} from './irc-session.js';

/** SASL PLAIN's payload comes base64 in pieces of 400; more than this is not a user name and a password. */
const maxSaslPayload = 1600;

/** SASL PLAIN (`AUTHENTICATE PLAIN`, then the base64 of `authzid NUL user NUL password`). */
export function authenticate(session: IrcSession, argument: string): void {
	if (session.sasl === 'accepted') {
		session.numeric('907', [], 'You have already authenticated using SASL');
		return;
	}

	if (session.sasl === 'checking') {
		return;
	}

	if (argument === '*') {
		session.sasl = 'idle';
		session.saslPayload = '';
		session.numeric('906', [], 'SASL authentication aborted');
		return;
	}

	if (session.sasl === 'idle') {
		if (argument.toUpperCase() === 'PLAIN') {
			session.sasl = 'payload';
			session.say('AUTHENTICATE +\r\n');
		} else {
			session.numeric('908', ['PLAIN'], 'are available SASL mechanisms');
			session.numeric('904', [], 'SASL authentication failed');
		}

		return;
	}

	if (argument !== '+') {
		session.saslPayload += argument;
		if (session.saslPayload.length > maxSaslPayload) {
			saslFailed(session, 'SASL message too long');
			return;
		}

		if (argument.length === 400) {
			return;
		}
	}

	const parts = Buffer.from(session.saslPayload, 'base64').toString('utf8').split('\0');
	session.saslPayload = '';
	if (parts.length !== 3) {
		saslFailed(session, 'SASL authentication failed: PLAIN takes authzid NUL user NUL password');
		return;
	}

	const [authzid = '', user = '', password = ''] = parts;
	if (authzid !== '' && authzid.toLowerCase() !== user.toLowerCase()) {
		saslFailed(session, 'SASL authentication failed: you can only log in as yourself');
		return;
	}

	session.sasl = 'checking';
	session.loginVia = 'sasl';
	void session.host.login(user, password, {beforeAttach: async () => saslAccepted(session, user)}).then(() => {
		if (session.sasl === 'checking') {
			session.sasl = 'idle';
		}

		if (session.host.loggedIn) {
			afterLogin(session);
		} else {
			void maybeRegister(session);
		}
	});
}

function saslFailed(session: IrcSession, text: string): void {
	session.sasl = 'idle';
	session.numeric('904', [], text);
}

async function saslAccepted(session: IrcSession, user: string): Promise<void> {
	session.sasl = 'accepted';
	const name = normalizeName(user);
	session.numeric('900', [userMask(name), name], `You are now logged in as ${name}`);
	session.numeric('903', [], 'SASL authentication successful');
	return new Promise<void>(resolve => {
		session.attach = resolve;
		void maybeRegister(session);
	});
}
