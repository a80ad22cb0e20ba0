import {Buffer} from 'node:buffer';
import type {Command, MemberInfo, ServerEvent} from '../../../source/protocol/index.js';
import {OFFLINE} from './irc-events.js';
import {IRC_LINE_BYTES, numeric, SERVER_NAME} from './irc-line.js';

/** What the queries need of the connection: a command's reply, without writing it. */
export type QueryHost = {run(command: Command): Promise<ServerEvent>};

/** Every member of a group, all pages; undefined when there is no such group. */
export async function allMembers(host: QueryHost, group: string): Promise<MemberInfo[] | undefined> {
	const members: MemberInfo[] = [];
	for (let page = 1; ; page++) {
		// eslint-disable-next-line no-await-in-loop
		const reply = await host.run({type: 'members', group, page});
		if (reply.type !== 'ok' || reply.command !== 'members') {
			return undefined;
		}

		members.push(...reply.members);
		if (page >= (reply.pages ?? 1)) {
			return members;
		}
	}
}

/** Words joined by spaces into as few lines as fit 512 bytes after `head`. */
function packWords(words: readonly string[], room: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of words) {
		if (line !== '' && Buffer.byteLength(line) + 1 + Buffer.byteLength(word) > room) {
			lines.push(line);
			line = '';
		}

		line = line === '' ? word : `${line} ${word}`;
	}

	if (line !== '') {
		lines.push(line);
	}

	return lines;
}

/**
NAMES: 353 lines then 366. Every member is listed, online or not: natter membership belongs to the
name and outlives a connection, and every member's messages reach the group (WHO tells who is here).
*/
export async function namesReply(host: QueryHost, nick: string, group: string): Promise<string> {
	const channel = `#${group}`;
	const members = await allMembers(host, group);
	const end = numeric('366', nick, [channel], 'End of /NAMES list.');
	if (!members) {
		return end;
	}

	const room = IRC_LINE_BYTES - 2 - Buffer.byteLength(numeric('353', nick, ['=', channel], ''));
	return packWords(members.map(member => member.name), room).map(names => numeric('353', nick, ['=', channel], names)).join('') + end;
}

/** WHO #group (352 per member: H here, G gone) or WHO nick, then 315. */
export async function whoReply(host: QueryHost, nick: string, mask: string): Promise<string> {
	const end = numeric('315', nick, [mask], 'End of /WHO list.');
	const entry = (channel: string, name: string, here: boolean) => numeric('352', nick, [channel, name, SERVER_NAME, SERVER_NAME, name, here ? 'H' : 'G'], `0 ${name}`);
	if (mask.startsWith('#')) {
		const members = await allMembers(host, mask.slice(1).toLowerCase());
		return (members ?? []).map(member => entry(mask.toLowerCase(), member.name, member.online)).join('') + end;
	}

	const online = await onlineUsers(host);
	const name = mask.toLowerCase();
	return (online.has(name) ? entry('*', name, true) : '') + end;
}

/** The names of the users online now. */
export async function onlineUsers(host: QueryHost): Promise<Set<string>> {
	const reply = await host.run({type: 'users'});
	return new Set(reply.type === 'ok' && reply.command === 'users' ? reply.users.map(user => user.name) : []);
}

/** LIST: 321, a 322 per group (every page of /groups), 323. `only`: the channels asked for. */
export async function listReply(host: QueryHost, nick: string, only: ReadonlySet<string> | undefined): Promise<string> {
	let lines = numeric('321', nick, ['Channel'], 'Users  Name');
	for (let page = 1; ; page++) {
		// eslint-disable-next-line no-await-in-loop
		const reply = await host.run({type: 'groups', page});
		if (reply.type !== 'ok' || reply.command !== 'groups') {
			break;
		}

		for (const group of reply.groups) {
			if (!only || only.has(group.name)) {
				lines += numeric('322', nick, [`#${group.name}`, String(group.members)], '');
			}
		}

		if (page >= (reply.pages ?? 1)) {
			break;
		}
	}

	return lines + numeric('323', nick, [], 'End of /LIST');
}

/** LUSERS: users online, groups, this one server. */
export async function lusersReply(host: QueryHost, nick: string): Promise<string> {
	const [users, groups] = await Promise.all([host.run({type: 'users'}), host.run({type: 'groups'})]);
	const online = users.type === 'ok' && users.command === 'users' ? users.users.length : 0;
	const channels = groups.type === 'ok' && groups.command === 'groups' ? (groups.total ?? groups.groups.length) : 0;
	return numeric('251', nick, [], `There are ${online} users and 0 invisible on 1 servers`)
		+ numeric('254', nick, [String(channels)], 'channels formed')
		+ numeric('255', nick, [], `I have ${online} clients and 0 servers`);
}

/** ISON: which of these nicks are online. */
export async function isonReply(host: QueryHost, nick: string, names: readonly string[]): Promise<string> {
	const online = await onlineUsers(host);
	return numeric('303', nick, [], names.filter(name => online.has(name.toLowerCase())).join(' '));
}

/** USERHOST: `nick=+nick@irc.natter` for each online nick (at most 5). */
export async function userhostReply(host: QueryHost, nick: string, names: readonly string[]): Promise<string> {
	const online = await onlineUsers(host);
	const found = names.slice(0, 5).map(name => name.toLowerCase()).filter(name => online.has(name));
	return numeric('302', nick, [], found.map(name => `${name}=+${name}@${SERVER_NAME}`).join(' '));
}

/** Whether `name` is a natter user (online or not): reading where the DM with them stands moves nothing. */
async function isUser(host: QueryHost, name: string): Promise<boolean> {
	return (await host.run({type: 'read', conversation: `@${name}`, seq: 0})).type === 'ok';
}

/** WHOIS: 311/312 for a user (and 301 away when they have no session), 401 for a name that is no user, then 318. */
export async function whoisReply(host: QueryHost, nick: string, target: string): Promise<string> {
	const name = target.toLowerCase();
	const online = await onlineUsers(host);
	const end = numeric('318', nick, [name], 'End of /WHOIS list.');
	const here = online.has(name);
	if (!here && !await isUser(host, name)) {
		return numeric('401', nick, [name], 'No such nick/channel') + end;
	}

	return numeric('311', nick, [name, name, SERVER_NAME, '*'], name)
		+ numeric('312', nick, [name, SERVER_NAME], 'natter')
		+ (here ? '' : numeric('301', nick, [name], OFFLINE))
		+ end;
}
