import {useState} from 'react';
import {ChatScreen} from './components/ChatScreen.js';
import {LoginScreen} from './components/LoginScreen.js';
import {ChatSession, type SessionOptions} from './session.js';

type Props = {
	readonly host: string;
	readonly port: number;
	readonly user?: string;
	/** Already logged in (natter demo): skip the login screen. */
	readonly session?: ChatSession;
	/** Passed to every session made here (tests shorten the backoff). */
	readonly sessionOptions?: Partial<Pick<SessionOptions, 'backoff' | 'pingIntervalMs' | 'timeoutMs'>>;
};

/** The login screen until a login succeeds, then the chat. */
export default function App({host, port, user, session: given, sessionOptions}: Props) {
	const [session, setSession] = useState<ChatSession | undefined>(given);
	if (session) {
		return <ChatScreen session={session}/>;
	}

	return (
		<LoginScreen
			server={`${host}:${port}`}
			initialUser={user}
			login={async (name, password) => ChatSession.open({host, port, user: name, password, client: 'natter-tui', ...sessionOptions})}
			onLoggedIn={setSession}
		/>
	);
}
