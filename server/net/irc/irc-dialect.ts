import {Buffer} from 'node:buffer';
import {nameProblem, normalizeName, parseCommand, type ConversationName, type ServerEvent} from '../../../source/protocol/index.js';
import type {Encoder} from '../../core/envelope.js';
import type {Dialect, DialectHost} from '../dialect.js';
import {chathistoryReply} from './irc-chathistory.js';
import {encodeChatMessage, encodeSharedEvent, IRC_SLOT_BASE, type TagMode} from './irc-events.js';
import {IRC_LINE_BYTES, ircLine, lineSafe, numeric, parseIrcLine, SERVER_NAME, userMask, type IrcMessage} from './irc-line.js';
import {isonReply, listReply, lusersReply, namesReply, userhostReply, whoisReply, whoReply} from './irc-queries.js';
import {markerLine, markreadReply} from './irc-read-marker.js';
import {closingLine, connectionError, serverNotice, welcomeBurst} from './irc-replies.js';

export type IrcDialectOptions = {
	/** A registered client silent this long is sent a PING; silent as long again, it is dropped. */
	readonly pingIntervalMs: number;
	/** When the server started (RPL_CREATED). */
	readonly created: string;
};

/** What a client may `CAP REQ`. */
const capabilities = ['away-notify', 'batch', 'draft/chathistory', 'draft/read-marker', 'echo-message', 'message-tags', 'sasl', 'server-time'] as const;
const capabilitySet: ReadonlySet<string> = new Set(capabilities);

/** Targets one PRIVMSG, NOTICE or JOIN may name (ISUPPORT TARGMAX). */
const maxMessageTargets = 4;
const maxJoinTargets = 10;

/** SASL PLAIN's payload comes base64 in pieces of 400; more than this is not a user name and a password. */
const maxSaslPayload = 1600;

type SaslState = 'idle' | 'payload' | 'checking' | 'accepted';

function noop(): void {}

/**
IRC (RFC 1459/2812 and the IRCv3 extensions clients use) on natter's core. Registration collects
CAP, PASS or SASL PLAIN, NICK and USER, then logs in through the connection as every dialect does
(the same bcrypt pool, throttles and limits); the nick is the user name. Groups are channels,
a nick is a DM, `$*` is the broadcasts. See docs/irc.md.
*/
export class IrcDialect implements Dialect {
	readonly name = 'irc';
	readonly encoder: Encoder;
	readonly #host: DialectHost;
	readonly #options: IrcDialectOptions;
	readonly #caps = new Set<string>();
	#tagMode: TagMode = 0;
	/** CAP LS or REQ came before registration: it waits for CAP END. */
	#capOpen = false;
	#capVersion = 0;
	#nick = '';
	#userGiven = false;
	#password: string | undefined;
	#sasl: SaslState = 'idle';
	#saslPayload = '';
	/** Lets a SASL login attach its session once registration is complete. */
	#attach: (() => void) | undefined;
	#loginVia: 'pass' | 'sasl' | undefined;
	#passChecking = false;
	#registered = false;
	/** The groups joined at login, whose NAMES follow the welcome. */
	#groupsAtLogin: readonly string[] = [];
	/** The user's conversations (`#group`, `@partner`) known to this session, for CHATHISTORY TARGETS. */
	readonly #conversations = new Set<ConversationName>();
	/** The command of the line being handled, for 421. */
	#command = '';
	#heard = false;
	#awaitingPong = false;
	#pinger: NodeJS.Timeout | undefined;
	#batches = 0;

	constructor(host: DialectHost, options: IrcDialectOptions) {
		this.#host = host;
		this.#options = options;
		const encode = (event: ServerEvent) => Buffer.from(this.#encode(event));
		const slot = () => IRC_SLOT_BASE + this.#tagMode;
		this.encoder = {
			get slot() {
				return slot();
			},
			encode,
		};
	}

	onLine(line: string): void | Promise<void> {
		this.#heard = true;
		const message = parseIrcLine(line);
		if (!message) {
			return;
		}

		this.#command = message.command;
		if (message.command === 'PONG') {
			return;
		}

		if (this.#host.limited()) {
			return;
		}

		if (message.bodyBytes > IRC_LINE_BYTES - 2) {
			this.#host.error('line_too_long', `a line longer than ${IRC_LINE_BYTES} bytes (without its tags)`);
			return;
		}

		return this.#registered ? this.#afterRegistration(message) : this.#beforeRegistration(message);
	}

	afterError(): void {
		// A PASS login that failed: IRC clients do not retry on the same connection.
		if (this.#passChecking && !this.#registered) {
			this.#host.end('too_many_attempts', 'Password incorrect');
		}
	}

	closed(): void {
		clearInterval(this.#pinger);
		this.#attach = undefined;
	}

	/** A client that took away-notify hears natter's presence as AWAY (offline) and back. Read at login, so a CAP REQ after registration does not change it. */
	get watchesPresence(): boolean {
		return this.#caps.has('away-notify');
	}

	/** Events this session answers itself, once their shared bytes are written. */
	heard(event: ServerEvent): void {
		if (!this.#registered) {
			return;
		}

		if (event.type === 'msg') {
			this.#conversations.add(`@${event.from === this.#nick ? event.to : event.from}`);
		} else if (event.type === 'membership') {
			// Its user joined from another session or node: clients fill their nick list from the NAMES after a JOIN of their own.
			if (event.joined && event.user === this.#nick) {
				this.#conversations.add(`#${event.group}`);
				void this.#host.respond(this.#channelState(event.group));
			}
		} else if (event.type === 'read' && this.#caps.has('draft/read-marker')) {
			void this.#host.respond(markerLine(this.#host, event.conversation, event.seq));
		}
	}

	/** What follows a JOIN of this user: the read marker (with draft/read-marker), then NAMES. */
	async #channelState(group: string): Promise<string> {
		const [marker, names] = await Promise.all([
			this.#caps.has('draft/read-marker') ? markerLine(this.#host, `#${group}`) : '',
			namesReply(this.#host, this.#nick, group),
		]);
		return marker + names;
	}

	// --- what this connection is sent ---

	#encode(event: ServerEvent): string {
		const shared = encodeSharedEvent(event, this.#tagMode);
		if (shared !== undefined) {
			return shared;
		}

		switch (event.type) {
			case 'login_ok': {
				for (const summary of event.conversations ?? []) {
					this.#conversations.add(summary.conversation);
				}

				return this.#welcome(event.user, event.text, (event.conversations ?? []).filter(summary => summary.conversation.startsWith('#')).map(summary => summary.conversation.slice(1)));
			}

			case 'error': {
				return connectionError(event, this.#target, this.#command, this.#loginVia, this.#registered);
			}

			case 'notice':
			case 'ok': {
				return serverNotice(this.#target, event.text);
			}

			case 'bye': {
				return closingLine(this.#nick, event.text);
			}

			default: {
				return '';
			}
		}
	}

	get #target(): string {
		return this.#nick || '*';
	}

	#welcome(user: string, text: string, groups: readonly string[]): string {
		this.#registered = true;
		this.#nick = user;
		this.#groupsAtLogin = groups;
		this.#startPings();
		return welcomeBurst({nick: user, version: this.#host.version, created: this.#options.created, usersOnline: this.#host.usersOnline, text, groups});
	}

	/** A reply outside any command's order before registration; after it, in order with the replies still waiting. */
	#say(text: string): void {
		if (this.#registered) {
			void this.#host.respond(Promise.resolve(text));
		} else {
			this.#host.sendText(text);
		}
	}

	#numeric(code: string, middle: readonly string[], last?: string): void {
		this.#say(numeric(code, this.#target, middle.map(word => word.slice(0, 64)), last));
	}

	#startPings(): void {
		const every = this.#options.pingIntervalMs;
		this.#pinger = setInterval(() => {
			if (this.#heard) {
				this.#heard = false;
				this.#awaitingPong = false;
				return;
			}

			if (this.#awaitingPong) {
				this.#host.end('ping_timeout', `Ping timeout: ${every * 2 / 1000} seconds`);
				return;
			}

			this.#awaitingPong = true;
			this.#host.sendText(`PING :${SERVER_NAME}\r\n`);
		}, every);
		this.#pinger.unref();
	}

	// --- registration ---

	#beforeRegistration(message: IrcMessage): void | Promise<void> {
		const {params} = message;
		switch (message.command) {
			case 'CAP': {
				return this.#cap(params);
			}

			case 'PASS': {
				if (params[0] === undefined) {
					this.#numeric('461', ['PASS'], 'Not enough parameters');
					return;
				}

				this.#password = params[0];
				return;
			}

			case 'NICK': {
				return this.#setNick(params[0]);
			}

			case 'USER': {
				if (params.length < 4) {
					this.#numeric('461', ['USER'], 'Not enough parameters');
					return;
				}

				this.#userGiven = true;
				return this.#maybeRegister();
			}

			case 'AUTHENTICATE': {
				this.#authenticate(params[0] ?? '');
				return;
			}

			case 'PING': {
				this.#say(ircLine(SERVER_NAME, 'PONG', [SERVER_NAME], lineSafe(params[0] ?? '')));
				return;
			}

			case 'QUIT': {
				this.#host.end('exit', 'Client quit');
				return;
			}

			default: {
				this.#host.error('not_logged_in', 'register first (PASS, NICK, USER)');
			}
		}
	}

	#setNick(nick: string | undefined): void | Promise<void> {
		if (nick === undefined || nick === '') {
			this.#numeric('431', [], 'No nickname given');
			return;
		}

		const problem = nameProblem(nick, 'user');
		if (problem !== undefined) {
			this.#numeric('432', [nick], `Erroneous nickname: your nick is your natter user name (${problem})`);
			return;
		}

		this.#nick = normalizeName(nick);
		return this.#maybeRegister();
	}

	#cap(params: readonly string[]): void | Promise<void> {
		const subcommand = (params[0] ?? '').toUpperCase();
		const target = this.#target;
		switch (subcommand) {
			case 'LS': {
				this.#capOpen ||= !this.#registered;
				this.#capVersion = Math.max(this.#capVersion, Number(params[1]) || 0);
				const offered = capabilities.map(cap => (cap === 'sasl' && this.#capVersion >= 302 ? 'sasl=PLAIN' : cap));
				this.#say(ircLine(SERVER_NAME, 'CAP', [target, 'LS'], offered.join(' ')));
				return;
			}

			case 'LIST': {
				this.#say(ircLine(SERVER_NAME, 'CAP', [target, 'LIST'], [...this.#caps].join(' ')));
				return;
			}

			case 'REQ': {
				this.#capOpen ||= !this.#registered;
				const asked = params[1] ?? '';
				const wanted = asked.split(' ').filter(Boolean);
				if (wanted.length === 0 || !wanted.every(cap => capabilitySet.has(cap.replace(/^-/, '')))) {
					this.#say(ircLine(SERVER_NAME, 'CAP', [target, 'NAK'], lineSafe(asked).slice(0, 400)));
					return;
				}

				for (const cap of wanted) {
					if (cap.startsWith('-')) {
						this.#caps.delete(cap.slice(1));
					} else {
						this.#caps.add(cap);
					}
				}

				this.#tagMode = this.#caps.has('message-tags') ? 2 : (this.#caps.has('server-time') ? 1 : 0);
				this.#say(ircLine(SERVER_NAME, 'CAP', [target, 'ACK'], asked));
				return;
			}

			case 'END': {
				if (this.#registered) {
					return;
				}

				this.#capOpen = false;
				return this.#maybeRegister();
			}

			default: {
				this.#numeric('410', [subcommand || '*'], 'Invalid CAP command');
			}
		}
	}

	/** SASL PLAIN (`AUTHENTICATE PLAIN`, then the base64 of `authzid NUL user NUL password`). */
	#authenticate(argument: string): void {
		if (this.#sasl === 'accepted') {
			this.#numeric('907', [], 'You have already authenticated using SASL');
			return;
		}

		if (this.#sasl === 'checking') {
			return;
		}

		if (argument === '*') {
			this.#sasl = 'idle';
			this.#saslPayload = '';
			this.#numeric('906', [], 'SASL authentication aborted');
			return;
		}

		if (this.#sasl === 'idle') {
			if (argument.toUpperCase() === 'PLAIN') {
				this.#sasl = 'payload';
				this.#say('AUTHENTICATE +\r\n');
			} else {
				this.#numeric('908', ['PLAIN'], 'are available SASL mechanisms');
				this.#numeric('904', [], 'SASL authentication failed');
			}

			return;
		}

		if (argument !== '+') {
			this.#saslPayload += argument;
			if (this.#saslPayload.length > maxSaslPayload) {
				this.#saslFailed('SASL message too long');
				return;
			}

			if (argument.length === 400) {
				return;
			}
		}

		const parts = Buffer.from(this.#saslPayload, 'base64').toString('utf8').split('\0');
		this.#saslPayload = '';
		if (parts.length !== 3) {
			this.#saslFailed('SASL authentication failed: PLAIN takes authzid NUL user NUL password');
			return;
		}

		const [authzid = '', user = '', password = ''] = parts;
		if (authzid !== '' && authzid.toLowerCase() !== user.toLowerCase()) {
			this.#saslFailed('SASL authentication failed: you can only log in as yourself');
			return;
		}

		this.#sasl = 'checking';
		this.#loginVia = 'sasl';
		void this.#host.login(user, password, {beforeAttach: async () => this.#saslAccepted(user)}).then(() => {
			if (this.#sasl === 'checking') {
				this.#sasl = 'idle';
			}

			if (this.#host.loggedIn) {
				this.#afterLogin();
			} else {
				void this.#maybeRegister();
			}
		});
	}

	#saslFailed(text: string): void {
		this.#sasl = 'idle';
		this.#numeric('904', [], text);
	}

	async #saslAccepted(user: string): Promise<void> {
		this.#sasl = 'accepted';
		const name = normalizeName(user);
		this.#numeric('900', [userMask(name), name], `You are now logged in as ${name}`);
		this.#numeric('903', [], 'SASL authentication successful');
		return new Promise<void>(resolve => {
			this.#attach = resolve;
			void this.#maybeRegister();
		});
	}

	/** Once NICK, USER and CAP END (when CAP began) are in: log in with PASS, or let the SASL login attach. */
	#maybeRegister(): void | Promise<void> {
		if (this.#registered || this.#passChecking || this.#capOpen || this.#nick === '' || !this.#userGiven || this.#sasl === 'checking') {
			return;
		}

		if (this.#sasl === 'accepted') {
			const attach = this.#attach;
			this.#attach = undefined;
			attach?.();
			return;
		}

		if (this.#password !== undefined) {
			const password = this.#password;
			this.#password = undefined;
			this.#loginVia = 'pass';
			this.#passChecking = true;
			return this.#host.login(this.#nick, password, {}).then(() => {
				this.#passChecking = false;
				this.#afterLogin();
			});
		}

		this.#numeric('464', [], 'Password required: connect with your natter password (PASS, or SASL PLAIN)');
		this.#host.end('too_many_attempts', 'a natter password is required');
	}

	/** The welcome is out: NAMES for the groups joined at login. */
	#afterLogin(): void {
		if (!this.#host.loggedIn || !this.#registered) {
			return;
		}

		for (const group of this.#groupsAtLogin) {
			void this.#host.respond(this.#channelState(group));
		}
	}

	// --- a registered client's commands ---

	#afterRegistration(message: IrcMessage): void | Promise<void> {
		const {params} = message;
		const host = this.#host;
		const nick = this.#nick;
		switch (message.command) {
			case 'PRIVMSG':
			case 'NOTICE': {
				return this.#message(params, message.command === 'NOTICE');
			}

			case 'JOIN': {
				return this.#join(params);
			}

			case 'PART': {
				return this.#part(params);
			}

			case 'NAMES': {
				if (params[0] === undefined) {
					this.#numeric('366', ['*'], 'End of /NAMES list.');
					return;
				}

				return this.#each(params[0], maxJoinTargets, channel => {
					const group = this.#groupOf(channel);
					if (group === undefined) {
						this.#numeric('366', [channel], 'End of /NAMES list.');
						return;
					}

					return host.respond(namesReply(host, nick, group));
				});
			}

			case 'WHO': {
				const mask = params[0] ?? '*';
				if (mask.startsWith('#') ? this.#groupOf(mask) === undefined : nameProblem(mask, 'user') !== undefined) {
					this.#numeric('315', [mask], 'End of /WHO list.');
					return;
				}

				return host.respond(whoReply(host, nick, mask));
			}

			case 'LIST': {
				const only = params[0] === undefined ? undefined : new Set(params[0].split(',').map(channel => this.#groupOf(channel)).filter(group => group !== undefined));
				return host.respond(listReply(host, nick, only));
			}

			case 'TOPIC': {
				const group = params[0] === undefined ? undefined : this.#groupOf(params[0]);
				if (group === undefined) {
					this.#numeric('403', [params[0] ?? '*'], 'No such channel');
				} else if (params.length > 1) {
					this.#numeric('482', [`#${group}`], 'natter groups have no topic to set');
				} else {
					this.#numeric('331', [`#${group}`], 'No topic is set');
				}

				return;
			}

			case 'MODE': {
				this.#modeCommand(params);
				return;
			}

			case 'AWAY': {
				if (params[0] === undefined || params[0] === '') {
					this.#numeric('305', [], 'You are no longer marked as being away');
				} else {
					this.#numeric('306', [], 'You have been marked as being away');
				}

				return;
			}

			case 'ISON': {
				return host.respond(isonReply(host, nick, params.flatMap(word => word.split(' ')).filter(word => nameProblem(word, 'user') === undefined)));
			}

			case 'USERHOST': {
				return host.respond(userhostReply(host, nick, params.filter(word => nameProblem(word, 'user') === undefined)));
			}

			case 'WHOIS': {
				const target = params.at(-1);
				if (target === undefined) {
					this.#numeric('431', [], 'No nickname given');
					return;
				}

				if (nameProblem(target, 'user') !== undefined) {
					this.#numeric('401', [target], 'No such nick/channel');
					this.#numeric('318', [target], 'End of /WHOIS list.');
					return;
				}

				return host.respond(whoisReply(host, nick, target));
			}

			case 'LUSERS': {
				return host.respond(lusersReply(host, nick));
			}

			case 'MOTD': {
				this.#numeric('422', [], 'MOTD File is missing');
				return;
			}

			case 'VERSION': {
				this.#numeric('351', [`natter-${host.version}.`, SERVER_NAME], 'natter over IRC');
				return;
			}

			case 'PING': {
				this.#say(ircLine(SERVER_NAME, 'PONG', [SERVER_NAME], lineSafe(params[0] ?? '')));
				return;
			}

			case 'QUIT': {
				host.end('exit', `Quit: ${params[0] ?? ''}`.slice(0, 200));
				return;
			}

			case 'CAP': {
				return this.#cap(params);
			}

			case 'CHATHISTORY': {
				return host.respond(chathistoryReply(host, params, {
					mode: this.#tagMode,
					batch: this.#caps.has('batch'),
					nextBatchId: () => `h${++this.#batches}`,
					conversations: () => this.#conversations,
				}));
			}

			case 'NICK': {
				if (normalizeName(params[0] ?? '') !== nick) {
					this.#numeric('432', [params[0] ?? '*'], 'Your nick is your natter user name and cannot change');
				}

				return;
			}

			case 'PASS':
			case 'USER': {
				this.#numeric('462', [], 'You may not reregister');
				return;
			}

			case 'AUTHENTICATE': {
				this.#numeric('907', [], 'You have already authenticated');
				return;
			}

			case 'MARKREAD': {
				return host.respond(markreadReply(host, params));
			}

			case 'TAGMSG': {
				// Client-only tags (typing notices and the like): natter does not relay them.
				return;
			}

			default: {
				host.error('unknown_command', 'unknown command');
			}
		}
	}

	/** The group a `#channel` names, or undefined when it is not a channel natter could have. */
	#groupOf(channel: string): string | undefined {
		return channel.startsWith('#') && nameProblem(channel.slice(1), 'group') === undefined ? normalizeName(channel.slice(1)) : undefined;
	}

	/** Runs `action` on each comma-separated target (at most `most`); later lines wait for the slowest. */
	#each(targets: string, most: number, action: (target: string) => void | Promise<void>): void | Promise<void> {
		const list = targets.split(',').filter(Boolean);
		if (list.length > most) {
			this.#numeric('407', [targets.slice(0, 64)], `Too many targets (at most ${most})`);
			return;
		}

		const pending: Array<Promise<void>> = [];
		for (const target of list) {
			const result = action(target);
			if (result) {
				pending.push(result);
			}
		}

		return pending.length === 0 ? undefined : Promise.all(pending).then(noop);
	}

	#message(params: readonly string[], notice: boolean): void | Promise<void> {
		const [targets, text] = params;
		if (targets === undefined || targets === '') {
			this.#numeric('411', [], `No recipient given (${notice ? 'NOTICE' : 'PRIVMSG'})`);
			return;
		}

		if (text === undefined || text === '') {
			this.#numeric('412', [], 'No text to send');
			return;
		}

		let body = text;
		let action = false;
		if (body.startsWith('\u0001')) {
			const inner = body.slice(1).replace(/\u0001$/, '');
			const [kind = ''] = inner.split(' ', 1);
			if (kind.toUpperCase() !== 'ACTION') {
				// CTCP (VERSION, PING, …) is between clients; natter carries text and actions only.
				if (!notice) {
					this.#say(serverNotice(this.#nick, `CTCP ${lineSafe(kind).slice(0, 32)} is not carried by natter`));
				}

				return;
			}

			action = true;
			body = inner.slice(kind.length + 1);
		}

		return this.#each(targets, maxMessageTargets, target => this.#messageTo(target, body, action));
	}

	#messageTo(target: string, text: string, action: boolean): void | Promise<void> {
		let line: string;
		if (target === '$*') {
			line = action ? `/me * ${text}` : `/broadcast ${text}`;
		} else if (target.startsWith('#')) {
			const group = this.#groupOf(target);
			if (group === undefined) {
				this.#numeric('403', [target], 'No such channel');
				return;
			}

			line = action ? `/me #${group} ${text}` : `/group_msg ${group} ${text}`;
		} else if (nameProblem(target, 'user') === undefined) {
			line = action ? `/me @${target} ${text}` : `/msg ${target} ${text}`;
		} else {
			this.#numeric('401', [target], 'No such nick/channel');
			return;
		}

		const parsed = parseCommand(line);
		if (!parsed.ok) {
			if (parsed.error.code === 'usage') {
				this.#numeric('412', [], 'No text to send');
			} else {
				this.#say(serverNotice(this.#nick, parsed.error.message));
			}

			return;
		}

		return this.#host.execute(parsed.command, reply => this.#messageReply(reply, target));
	}

	#messageReply(reply: ServerEvent, target: string): string {
		const nick = this.#nick;
		if (reply.type === 'ok') {
			if (!('message' in reply)) {
				return '';
			}

			if (reply.message.type === 'msg') {
				this.#conversations.add(`@${reply.message.to}`);
			}

			const echo = this.#caps.has('echo-message') ? encodeChatMessage(reply.message, this.#tagMode) : '';
			return reply.stored === true ? echo + serverNotice(nick, reply.text) : echo;
		}

		if (reply.type !== 'error') {
			return '';
		}

		switch (reply.code) {
			case 'no_such_group': {
				return numeric('403', nick, [target], 'No such channel');
			}

			case 'not_member': {
				return numeric('404', nick, [target], `Cannot send to channel: you are not in it (JOIN ${target})`);
			}

			case 'unknown_user': {
				return numeric('401', nick, [target], 'No such nick/channel');
			}

			default: {
				return serverNotice(nick, reply.message);
			}
		}
	}

	#join(params: readonly string[]): void | Promise<void> {
		const channels = params[0];
		if (channels === undefined || channels === '') {
			this.#numeric('461', ['JOIN'], 'Not enough parameters');
			return;
		}

		return this.#each(channels, maxJoinTargets, channel => {
			const group = this.#groupOf(channel);
			if (group === undefined) {
				this.#numeric('479', [channel], `Illegal channel name: a channel is # and a natter group name (letters, digits, _ and -, at most 32)`);
				return;
			}

			return this.#host.respond(this.#joinOne(group));
		});
	}

	async #joinOne(group: string): Promise<string> {
		const host = this.#host;
		const nick = this.#nick;
		const reply = await host.run({type: 'join', group});
		if (reply.type === 'error' && reply.code !== 'already_member') {
			return reply.code === 'too_many_groups'
				? numeric('405', nick, [`#${group}`], `You have joined too many channels: ${reply.message}`)
				: serverNotice(nick, reply.message);
		}

		this.#conversations.add(`#${group}`);
		return `:${userMask(nick)} JOIN #${group}\r\n${await this.#channelState(group)}`;
	}

	#part(params: readonly string[]): void | Promise<void> {
		const [channels, reason] = params;
		if (channels === undefined || channels === '') {
			this.#numeric('461', ['PART'], 'Not enough parameters');
			return;
		}

		return this.#each(channels, maxJoinTargets, channel => {
			const group = this.#groupOf(channel);
			if (group === undefined) {
				this.#numeric('403', [channel], 'No such channel');
				return;
			}

			return this.#host.respond(this.#partOne(group, reason));
		});
	}

	async #partOne(group: string, reason: string | undefined): Promise<string> {
		const nick = this.#nick;
		const reply = await this.#host.run({type: 'part', group});
		if (reply.type === 'error') {
			switch (reply.code) {
				case 'not_member': {
					return numeric('442', nick, [`#${group}`], 'You\'re not on that channel');
				}

				case 'no_such_group': {
					return numeric('403', nick, [`#${group}`], 'No such channel');
				}

				default: {
					return serverNotice(nick, reply.message);
				}
			}
		}

		return ircLine(userMask(nick), 'PART', [`#${group}`], reason === undefined ? undefined : lineSafe(reason));
	}

	/** MODE: natter has no modes to change; channels are always +nt (members only may send, no topic to set). */
	#modeCommand(params: readonly string[]): void {
		const [target, modes] = params;
		if (target === undefined) {
			this.#numeric('461', ['MODE'], 'Not enough parameters');
			return;
		}

		if (target.startsWith('#')) {
			const group = this.#groupOf(target);
			if (group === undefined) {
				this.#numeric('403', [target], 'No such channel');
				return;
			}

			const channel = `#${group}`;
			const list = modes?.replace(/^\+/, '');
			if (modes === undefined) {
				this.#numeric('324', [channel, '+nt']);
			} else if (list === 'b') {
				this.#numeric('368', [channel], 'End of channel ban list');
			} else if (list === 'e') {
				this.#numeric('349', [channel], 'End of channel exception list');
			} else if (list === 'I') {
				this.#numeric('347', [channel], 'End of channel invite list');
			} else {
				this.#numeric('482', [channel], 'natter groups have no modes to change');
			}

			return;
		}

		if (normalizeName(target) === this.#nick) {
			this.#numeric('221', ['+']);
			return;
		}

		this.#numeric('502', [], 'Can\'t change mode for other users');
	}
}
