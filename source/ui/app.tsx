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
	/** A line shown in All when the chat opens. */
	readonly notice?: string;
};

/** The login screen until a login succeeds, then the chat. */
export default function App({host, port, user, session: given, notice}: Props) {
	const [session, setSession] = useState<ChatSession | undefined>(given);
	if (session) {
		return <ChatScreen session={session} notice={notice}/>;
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
