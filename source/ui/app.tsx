import {useMemo, useState} from 'react';
import {ChatScreen} from './components/ChatScreen.js';
import {LoginScreen} from './components/LoginScreen.js';
import {TrustScreen} from './components/TrustScreen.js';
import type {ClientTls} from '../client/tls.js';
import type {TlsSetup} from '../client/trust.js';
import type {NotifySettings} from './notify.js';
import {type ColorChoices, makeTheme, ThemeContext} from './theme.js';
import {ChatSession} from './session.js';

type Props = {
	readonly host: string;
	readonly port: number;
	readonly user?: string;
	/** Already logged in (natter demo): skip the login screen. */
	readonly session?: ChatSession;
	/** A line shown in All when the chat opens. */
	readonly notice?: string;
	/** Speak TLS (`--tls`): the certificate is checked (and, on first contact, the user asked) before the login screen. */
	readonly tls?: TlsSetup;
	readonly notify?: NotifySettings;
	/** Where bells and the title go (the real terminal). */
	readonly signal?: (sequence: string) => void;
	/** False: a monochrome screen; an object: the colours the config file chose for some elements. */
	readonly colors?: boolean | ColorChoices;
};

/** The login screen until a login succeeds, then the chat. */
export default function App({colors = true, ...props}: Props) {
	const theme = useMemo(() => makeTheme(colors), [colors]);
	return (
		<ThemeContext.Provider value={theme}>
			<Screens {...props}/>
		</ThemeContext.Provider>
	);
}

function Screens({host, port, user, session: given, notice, tls, notify, signal}: Omit<Props, 'colors'>) {
	const [session, setSession] = useState<ChatSession | undefined>(given);
	const [trust, setTrust] = useState<ClientTls | undefined>(undefined);
	if (session) {
		return <ChatScreen session={session} notice={notice} notify={notify} signal={signal}/>;
	}

	if (tls && !trust) {
		return <TrustScreen host={host} port={port} setup={tls} onTrusted={setTrust}/>;
	}

	return (
		<LoginScreen
			server={`${host}:${port}${trust ? ' (TLS)' : ''}`}
			initialUser={user}
			login={async (name, password) => ChatSession.open({host, port, user: name, password, client: 'natter-tui', ...(trust ? {tls: trust} : {})})}
			onLoggedIn={setSession}
		/>
	);
}
