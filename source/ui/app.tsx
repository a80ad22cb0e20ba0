import {useState} from 'react';
import {ChatScreen} from './components/ChatScreen.js';
import {LoginScreen} from './components/LoginScreen.js';
import {ChatSession} from './session.js';

type Props = {
	readonly host: string;
	readonly port: number;
	readonly user?: string;
	/** Already logged in (natter demo): skip the login screen. */
	readonly session?: ChatSession;
};

/** The login screen until a login succeeds, then the chat. */
export default function App({host, port, user, session: given}: Props) {
	const [session, setSession] = useState<ChatSession | undefined>(given);
	if (session) {
		return <ChatScreen session={session}/>;
	}

	return (
		<LoginScreen
			server={`${host}:${port}`}
			initialUser={user}
			login={async (name, password) => ChatSession.open({host, port, user: name, password, client: 'natter-tui'})}
			onLoggedIn={setSession}
		/>
	);
}
