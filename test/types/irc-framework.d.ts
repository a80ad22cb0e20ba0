/** The part of irc-framework (no types of its own) the IRC tests use. */
declare module 'irc-framework' {
	type ConnectOptions = {
		host: string;
		port: number;
		nick: string;
		username?: string;
		gecos?: string;
		password?: string;
		account?: {account: string; password: string};
		auto_reconnect?: boolean;
		enable_echomessage?: boolean;
		tls?: boolean;
		rejectUnauthorized?: boolean;
	};

	export type MessageEvent = {
		type: 'privmsg' | 'notice' | 'action';
		nick: string;
		target: string;
		message: string;
		tags: Record<string, string>;
		time?: number;
	};

	export type UserlistEvent = {channel: string; users: Array<{nick: string}>};
	export type JoinEvent = {nick: string; channel: string};
	export type IrcErrorEvent = {error: string; reason?: string; channel?: string; nick?: string};

	export class Client {
		constructor(options?: Partial<ConnectOptions>);
		readonly user: {nick: string};
		connect(options: ConnectOptions): void;
		on(event: 'registered' | 'close' | 'socket close', listener: () => void): this;
		on(event: 'message', listener: (event: MessageEvent) => void): this;
		on(event: 'userlist', listener: (event: UserlistEvent) => void): this;
		on(event: 'join' | 'part', listener: (event: JoinEvent) => void): this;
		on(event: 'irc error', listener: (event: IrcErrorEvent) => void): this;
		on(event: 'raw', listener: (event: {line: string; from_server: boolean}) => void): this;
		join(channel: string): void;
		say(target: string, message: string): void;
		action(target: string, message: string): void;
		raw(line: string): void;
		quit(message?: string): void;
	}

	const IRC: {Client: typeof Client};
	export default IRC;
}
