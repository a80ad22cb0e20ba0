import type {LadderResult, ScenarioSpec} from '../types.js';
import {groupSender, openGroup} from './group.js';
import {countDeliveries, ladderPlan, runLadder} from './ladder.js';
import {Pacer} from './pacer.js';

const senders = 4;
const fullRates = [250e3, 500e3, 1e6, 1.5e6, 2e6, 2.5e6, 3e6, 3.5e6, 4e6, 5e6, 6e6, 8e6, 10e6];
const quickRates = [500e3, 1e6, 2e6, 3e6, 4e6, 6e6, 8e6, 10e6];

/** `size` members in one group, 4 of them sending, on a rising rate ladder (over IRC when the spec names the IRC port). */
export async function runFanout(spec: ScenarioSpec, progress: (text: string) => void): Promise<LadderResult> {
	const irc = spec.ircPort !== undefined;
	const clients = await openGroup({port: spec.ircPort ?? spec.port, ...(spec.ports ? {ports: spec.ports} : {}), members: spec.size, userName: index => `${spec.userPrefix}${index}`, password: spec.password, group: 'bench', irc});
	progress(`${spec.name}: ${spec.size} members logged in and joined`);
	return runLadder({
		name: spec.name,
		clients: spec.size,
		senders,
		...countDeliveries(clients),
		pacer: new Pacer(groupSender(clients, senders, 'bench', irc), 2),
		deliveriesPerMessage: spec.size - 1,
		...ladderPlan(spec, {quick: quickRates, full: fullRates}),
		progress,
	});
}
