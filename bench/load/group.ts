import {encodeToken} from '../token.js';
import {type BenchClient, forEachLimited, openClients} from './client.js';
import type {SendBatch} from './pacer.js';

/** Log `members` users in and put them all in `group`; the first creates it (over IRC, JOIN creates it). */
export async function openGroup(options: {port: number; ports?: readonly number[]; members: number; userName: (index: number) => string; password: string; group: string; irc?: boolean}): Promise<BenchClient[]> {
	const clients = await openClients({port: options.port, ...(options.ports ? {ports: options.ports} : {}), count: options.members, name: options.userName, password: options.password, concurrency: 64, irc: options.irc === true});
	if (options.irc) {
		await forEachLimited(clients, 64, async client => {
			const joined = await client.ircRequest(`JOIN #${options.group}`, '366');
			if (joined.type !== 'ok') {
				throw new Error(`JOIN #${options.group}: ${joined.message ?? joined.type}`);
			}
		});
		return clients;
	}

	const created = await clients[0]!.request(`/create_group ${options.group}`);
	if (created.type !== 'ok') {
		throw new Error(`/create_group ${options.group}: ${created.message ?? created.type}`);
	}

	await forEachLimited(clients.slice(1), 64, async client => {
		const joined = await client.request(`/join_group ${options.group}`);
		if (joined.type !== 'ok') {
			throw new Error(`/join_group ${options.group}: ${joined.message ?? joined.type}`);
		}
	});
	return clients;
}

/** The first `senders` members send in turn; each message reaches every other member. */
export function groupSender(clients: readonly BenchClient[], senders: number, group: string, irc = false): SendBatch {
	const sequences = new Array<number>(senders).fill(0);
	const batches = new Array<string>(senders).fill('');
	let turn = 0;
	const prefix = irc ? `PRIVMSG #${group} :` : `{"type":"command","line":"/group_msg ${group} `;
	const suffix = irc ? '\r\n' : '"}\n';
	return (count, now) => {
		for (let index = 0; index < count; index++) {
			const sender = turn;
			turn = (turn + 1) % senders;
			batches[sender] += `${prefix}${encodeToken(sender, sequences[sender]!++, now)}${suffix}`;
		}

		let bytes = 0;
		for (let sender = 0; sender < senders; sender++) {
			if (batches[sender] !== '') {
				bytes += batches[sender]!.length;
				clients[sender]!.write(batches[sender]!);
				batches[sender] = '';
			}
		}

		return {deliveries: count * (clients.length - 1), bytes};
	};
}
