import type {ConnectResult, LadderResult, LadderStep, ScenarioResult, StormResult} from './types.js';

const percent = (fraction: number) => (fraction < 0 ? '?' : `${(fraction * 100).toFixed(0)}%`);
const millions = (perSecond: number) => `${(perSecond / 1e6).toFixed(3)} M/s`;
const thousands = (perSecond: number) => `${(perSecond / 1e3).toFixed(1)} k/s`;
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

function rate(result: LadderResult, perSecond: number): string {
	return result.name.startsWith('private') ? thousands(perSecond) : millions(perSecond);
}

function stepLine(result: LadderResult, step: LadderStep): string {
	return `  ${step.pass ? 'ok  ' : 'FAIL'} offered ${rate(result, step.offeredPerSec).padStart(12)}  got ${rate(result, step.deliveredPerSec).padStart(12)}  p50 ${ms(step.p50Ms).padStart(8)}  p99 ${ms(step.p99Ms).padStart(8)}  late>2s ${step.lost}  dup ${step.duplicates}  ooo ${step.outOfOrder}  load cpu ${percent(step.loadCpu).padStart(4)}  server cpu ${percent(step.serverCpu).padStart(4)} = ${step.serverMicrosPerDelivery.toFixed(2)} µs/delivery  others ${percent(step.otherCpu).padStart(4)}  unread ms server/load ${step.serverBacklogMs.toFixed(0)}/${step.loadBacklogMs.toFixed(0)}${step.why ? `  (${step.why})` : ''}`;
}

function ladderLines(result: LadderResult): string[] {
	const {knee} = result;
	const headline = knee
		? `${result.name}: ${rate(result, knee.deliveredPerSec)}${result.floor ? ' (a FLOOR)' : ''} at the knee, p50 ${ms(knee.p50Ms)}, p99 ${ms(knee.p99Ms)}, load cpu ${percent(knee.loadCpu)}, server cpu ${percent(knee.serverCpu)}; limit: ${result.limit}`
		: `${result.name}: no step passed; limit: ${result.limit}`;
	return [
		headline,
		`  ${result.clients} clients, ${result.senders} sending, 64-byte messages; a step passes when all arrive within 2 s of it and p99 ≤ 500 ms`,
		...result.steps.map(step => stepLine(result, step)),
		`  whole ladder: ${result.neverDelivered} never delivered, ${result.duplicates} duplicates, ${result.outOfOrder} out of order`,
	];
}

function connectLines(result: ConnectResult): string[] {
	return [
		`${result.name}: ${result.loggedIn}/${result.connections} logged in in ${result.secondsToAllLoggedIn.toFixed(1)} s (${result.loginsPerSec}/s, cost-4 hashes), server RSS ${(result.rssBeforeKiB / 1024).toFixed(1)} MiB (after one login; ${(result.rssIdleKiB / 1024).toFixed(1)} MiB before any) -> ${(result.rssAfterKiB / 1024).toFixed(1)} MiB = ${result.rssPerConnectionKiB.toFixed(2)} KiB per connection; ${(result.rssHalfKiB / 1024).toFixed(1)} MiB at half, so ${result.rssMarginalPerConnectionKiB.toFixed(2)} KiB per connection over the second half`,
		`  held ${result.heldSeconds} s: ${result.answeredPing}/${result.connections} answered a ping, ${result.dropped} dropped; load cpu ${percent(result.loadCpu)}, server cpu ${percent(result.serverCpu)}, others ${percent(result.otherCpu)}`,
	];
}

function stormLines(result: StormResult): string[] {
	return [
		`${result.name}: ${result.logins - result.failedLogins}/${result.logins} fresh logins (cost-10 hashes) in ${result.seconds.toFixed(1)} s = ${result.loginsPerSec} logins/s, login p50 ${ms(result.loginP50Ms)}, p99 ${ms(result.loginP99Ms)}${result.failedLogins > 0 ? `; failed: ${Object.entries(result.failureReasons).map(([reason, count]) => `${count} ${reason}`).join(', ')}` : ''}`,
		`  fan-out to ${result.fanoutMembers} members at ${thousands(result.fanoutDeliveriesPerSec)}: delivery p99 ${ms(result.baselineP99Ms)} before, ${ms(result.stormP99Ms)} during the storm (p50 ${ms(result.stormP50Ms)}, max ${ms(result.stormMaxMs)}); lost ${result.lost}, dup ${result.duplicates}, ooo ${result.outOfOrder}; load cpu ${percent(result.loadCpu)}, server cpu ${percent(result.serverCpu)}, others ${percent(result.otherCpu)}`,
	];
}

export function resultLines(result: ScenarioResult): string[] {
	switch (result.kind) {
		case 'ladder': {
			return ladderLines(result);
		}

		case 'connect': {
			return connectLines(result);
		}

		case 'storm': {
			return stormLines(result);
		}
	}
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** The compact figures of one scenario for the final JSON line. */
export function resultFigures(result: ScenarioResult): Record<string, unknown> {
	switch (result.kind) {
		case 'ladder': {
			const {knee} = result;
			return {
				deliveriesPerSec: knee?.deliveredPerSec ?? 0,
				p50Ms: round(knee?.p50Ms ?? 0),
				p99Ms: round(knee?.p99Ms ?? 0),
				loadCpu: round(knee?.loadCpu ?? 0),
				serverCpu: round(knee?.serverCpu ?? 0),
				otherCpu: round(knee?.otherCpu ?? 0),
				serverMicrosPerDelivery: round(knee?.serverMicrosPerDelivery ?? 0, 3),
				floor: result.floor,
				limit: result.limit,
				clients: result.clients,
				senders: result.senders,
				neverDelivered: result.neverDelivered,
				duplicates: result.duplicates,
				outOfOrder: result.outOfOrder,
				steps: result.steps.map(step => ({
					offered: step.offeredPerSec,
					delivered: step.deliveredPerSec,
					p50Ms: round(step.p50Ms),
					p99Ms: round(step.p99Ms),
					lateOrLost: step.lost,
					duplicates: step.duplicates,
					outOfOrder: step.outOfOrder,
					loadCpu: round(step.loadCpu),
					serverCpu: round(step.serverCpu),
					otherCpu: round(step.otherCpu),
					serverMicrosPerDelivery: round(step.serverMicrosPerDelivery, 3),
					loadMicrosPerDelivery: round(step.loadMicrosPerDelivery, 3),
					serverBacklogMs: round(step.serverBacklogMs, 1),
					loadBacklogMs: round(step.loadBacklogMs, 1),
					pass: step.pass,
				})),
			};
		}

		case 'connect': {
			return {
				connections: result.connections,
				loggedIn: result.loggedIn,
				secondsToAllLoggedIn: round(result.secondsToAllLoggedIn),
				loginsPerSec: result.loginsPerSec,
				rssIdleKiB: result.rssIdleKiB,
				rssBeforeKiB: result.rssBeforeKiB,
				rssAfterKiB: result.rssAfterKiB,
				rssPerConnectionKiB: round(result.rssPerConnectionKiB),
				rssHalfKiB: result.rssHalfKiB,
				rssMarginalPerConnectionKiB: round(result.rssMarginalPerConnectionKiB),
				answeredPing: result.answeredPing,
				dropped: result.dropped,
				loadCpu: round(result.loadCpu),
				serverCpu: round(result.serverCpu),
				otherCpu: round(result.otherCpu),
			};
		}

		case 'storm': {
			return {
				logins: result.logins,
				failedLogins: result.failedLogins,
				failureReasons: result.failureReasons,
				loginsPerSec: result.loginsPerSec,
				seconds: round(result.seconds),
				loginP50Ms: round(result.loginP50Ms),
				loginP99Ms: round(result.loginP99Ms),
				fanoutDeliveriesPerSec: result.fanoutDeliveriesPerSec,
				baselineP99Ms: round(result.baselineP99Ms),
				stormP50Ms: round(result.stormP50Ms),
				stormP99Ms: round(result.stormP99Ms),
				stormMaxMs: round(result.stormMaxMs),
				lost: result.lost,
				duplicates: result.duplicates,
				outOfOrder: result.outOfOrder,
				loadCpu: round(result.loadCpu),
				serverCpu: round(result.serverCpu),
				otherCpu: round(result.otherCpu),
			};
		}
	}
}
