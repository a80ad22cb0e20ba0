import {encodeToken} from '../token.js';
import type {LadderResult, ScenarioSpec} from '../types.js';
import {openClients} from './client.js';
import {countDeliveries, ladderPlan, runLadder} from './ladder.js';
import {Pacer} from './pacer.js';

const fullRates = [20e3, 40e3, 60e3, 80e3, 100e3, 130e3, 160e3, 200e3, 250e3, 300e3, 400e3];
// Steps of 10–15 k/s up to 50 k/s: the file store's knee is near 25–30 k/s, and a coarse ladder hid it.
const quickRates = [20e3, 30e3, 40e3, 50e3, 65e3, 80e3, 100e3, 130e3, 180e3, 250e3, 350e3];

/** `size` clients; each message goes from a random client to another random one (over IRC when the spec names the IRC port). */
export async function runPrivate(spec: ScenarioSpec, progress: (text: string) => void): Promise<LadderResult> {
	const n = spec.size;
	const irc = spec.ircPort !== undefined;
	const clients = await openClients({port: spec.ircPort ?? spec.port, count: n, name: index => `${spec.userPrefix}${index}`, password: spec.password, concurrency: 64, irc});
	progress(`${spec.name}: ${n} clients logged in`);
	// Sequence numbers per (sender, recipient) pair, so each recipient sees 0, 1, 2… from each sender.
	const sequences = new Int32Array(n * n);
	const batches = new Array<string>(n).fill('');
	const touched: number[] = [];
	const send = (count: number, now: number) => {
		let bytes = 0;
		for (let index = 0; index < count; index++) {
			const sender = Math.floor(Math.random() * n);
			let recipient = Math.floor(Math.random() * (n - 1));
			if (recipient >= sender) {
				recipient++;
			}

			if (batches[sender] === '') {
				touched.push(sender);
			}

			const token = encodeToken(sender, sequences[(sender * n) + recipient]!++, now);
			batches[sender] += irc ? `PRIVMSG ${spec.userPrefix}${recipient} :${token}\r\n` : `{"type":"command","line":"/msg ${spec.userPrefix}${recipient} ${token}"}\n`;
		}

		for (const sender of touched) {
			bytes += batches[sender]!.length;
			clients[sender]!.write(batches[sender]!);
			batches[sender] = '';
		}

		touched.length = 0;
		return {deliveries: count, bytes};
	};

	return runLadder({
		name: spec.name,
		clients: n,
		senders: n,
		...countDeliveries(clients),
		// A longer tick batches several messages per sending socket: 1000 senders would otherwise cost one write each.
		pacer: new Pacer(send, 10),
		deliveriesPerMessage: 1,
		...ladderPlan(spec, {quick: quickRates, full: fullRates}),
		progress,
	});
}
