import {nameProblem, normalizeName, type ConversationName} from '../../../source/protocol/index.js';
import type {DialectHost} from '../dialect.js';
import type {TagMode} from './irc-events.js';
import {numeric} from './irc-line.js';
import {markerLine} from './irc-read-marker.js';
import {namesReply} from './irc-queries.js';

export type SaslState = 'idle' | 'payload' | 'checking' | 'accepted';

function noop(): void {}

/** One IRC connection's state, shared by the modules that handle its commands, and the replies they all make. */
export class IrcSession {
	readonly host: DialectHost;
	readonly caps = new Set<string>();
	tagMode: TagMode = 0;
	/** CAP LS or REQ came before registration: it waits for CAP END. */
	capOpen = false;
	capVersion = 0;
	nick = '';
	userGiven = false;
	password: string | undefined;
	sasl: SaslState = 'idle';
	saslPayload = '';
	/** Lets a SASL login attach its session once registration is complete. */
	attach: (() => void) | undefined;
	loginVia: 'pass' | 'sasl' | undefined;
	passChecking = false;
	registered = false;
	/** The groups joined at login, whose NAMES follow the welcome. */
	groupsAtLogin: readonly string[] = [];
	/** The user's conversations (`#group`, `@partner`) known to this session, for CHATHISTORY TARGETS. */
	readonly conversations = new Set<ConversationName>();
	/** The command of the line being handled, for 421. */
	command = '';
	batches = 0;

	constructor(host: DialectHost) {
		this.host = host;
	}

	get target(): string {
		return this.nick || '*';
	}

	/** A reply outside any command's order before registration; after it, in order with the replies still waiting. */
	say(text: string): void {
		if (this.registered) {
			void this.host.respond(Promise.resolve(text));
		} else {
			this.host.sendText(text);
		}
	}

	numeric(code: string, middle: readonly string[], last?: string): void {
		this.say(numeric(code, this.target, middle.map(word => word.slice(0, 64)), last));
	}

	/** The group a `#channel` names, or undefined when it is not a channel natter could have. */
	groupOf(channel: string): string | undefined {
		return channel.startsWith('#') && nameProblem(channel.slice(1), 'group') === undefined ? normalizeName(channel.slice(1)) : undefined;
	}

	/** Runs `action` on each comma-separated target (at most `most`); later lines wait for the slowest. */
	each(targets: string, most: number, action: (target: string) => void | Promise<void>): void | Promise<void> {
		const list = targets.split(',').filter(Boolean);
		if (list.length > most) {
			this.numeric('407', [targets.slice(0, 64)], `Too many targets (at most ${most})`);
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

	/** What follows a JOIN of this user: the read marker (with draft/read-marker), then NAMES. */
	async channelState(group: string): Promise<string> {
		const [marker, names] = await Promise.all([
			this.caps.has('draft/read-marker') ? markerLine(this.host, `#${group}`) : '',
			namesReply(this.host, this.nick, group),
		]);
		return marker + names;
	}
}
