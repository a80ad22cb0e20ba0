import {encodeToken} from '../token.js';
import {type BenchClient, forEachLimited, openClients} from './client.js';
import type {SendBatch} from './pacer.js';

/** Log `members` users in and put them all in `group`; the first creates it. */
export async function openGroup(options: {port: number; members: number; userName: (index: number) => string; password: string; group: string}): Promise<BenchClient[]> {
	const clients = await openClients({port: options.port, count: options.members, name: options.userName, password: options.password, concurrency: 64});
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
export function groupSender(clients: readonly BenchClient[], senders: number, group: string): SendBatch {
	const sequences = new Array<number>(senders).fill(0);
	const batches = new Array<string>(senders).fill('');
	let turn = 0;
	const prefix = `{"type":"command","line":"/group_msg ${group} `;
	return (count, now) => {
		for (let index = 0; index < count; index++) {
			const sender = turn;
			turn = (turn + 1) % senders;
			batches[sender] += `${prefix}${encodeToken(sender, sequences[sender]!++, now)}"}\n`;
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
