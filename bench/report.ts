import {type ComparisonRow, ratio, type StoppedFigures, type StoreKind} from './store-figures.js';
import type {ConnectResult, HistoryResult, LadderResult, LadderStep, ResumeCase, ResumeResult, ScenarioResult, StormResult, Timing} from './types.js';

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

/** "p50 1.2 / p99 3.4 ms" */
export function timingText(timing: Timing): string {
	return `p50 ${ms(timing.p50Ms)} / p99 ${ms(timing.p99Ms)}`;
}

function resumeCaseLine(label: string, result: ResumeCase): string {
	return `  ${label}: to the last missed message ${timingText(result.lastMessage)}, to resumed ${timingText(result.resumed)} (max ${ms(result.resumed.maxMs)}); login_ok alone ${timingText(result.loginOk)}`;
}

function resumeLines(result: ResumeResult): string[] {
	return [
		`${result.name}: ${result.missed} missed messages, ${result.repetitions} resumes each way, timed from sending login (with resume) on an open connection; server cpu ${percent(result.serverCpu)}, others ${percent(result.otherCpu)}`,
		resumeCaseLine('just sent (the store\'s newest)', result.recent),
		resumeCaseLine('after 2.5 s idle (indexed)', result.idle),
	];
}

function historyLines(result: HistoryResult): string[] {
	const perMillion = result.fileBytesAfterFill > 0 ? `, ${(result.fileBytesAfterFill / result.messages).toFixed(0)} MB per million messages` : '';
	return [
		`${result.name}: filled one group with ${result.messages.toLocaleString('en')} messages in ${result.fillSeconds.toFixed(1)} s = ${result.fillMessagesPerSec.toLocaleString('en')} stored messages/s (${result.senders} pipelining senders; server cpu ${percent(result.fillServerCpu)}, others ${percent(result.fillOtherCpu)})`,
		`  data on disk after the fill ${(result.fileBytesAfterFill / 1e6).toFixed(1)} MB (of which -wal ${(result.walBytesAfterFill / 1e6).toFixed(1)} MB)${perMillion}; server RSS ${(result.rssBeforeFillKiB / 1024).toFixed(0)} -> ${(result.rssAfterFillKiB / 1024).toFixed(0)} MiB`,
		`  /history of ${result.page}, one at a time: newest page ${timingText(result.newest)} (max ${ms(result.newest.maxMs)}); before a seq around the middle ${timingText(result.middle)} (max ${ms(result.middle.maxMs)}); ${result.newest.count} requests each`,
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

		case 'resume': {
			return resumeLines(result);
		}

		case 'history': {
			return historyLines(result);
		}
	}
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const timingFigures = (timing: Timing) => ({p50Ms: round(timing.p50Ms), p99Ms: round(timing.p99Ms), maxMs: round(timing.maxMs), count: timing.count});
const resumeCaseFigures = (result: ResumeCase) => ({
	lastMessage: timingFigures(result.lastMessage), resumed: timingFigures(result.resumed), loginOk: timingFigures(result.loginOk), messages: result.messages,
});

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

		case 'resume': {
			return {
				missed: result.missed,
				repetitions: result.repetitions,
				recent: resumeCaseFigures(result.recent),
				idle: resumeCaseFigures(result.idle),
				serverCpu: round(result.serverCpu),
				otherCpu: round(result.otherCpu),
			};
		}

		case 'history': {
			return {
				messages: result.messages,
				senders: result.senders,
				fillSeconds: round(result.fillSeconds),
				fillMessagesPerSec: result.fillMessagesPerSec,
				fillServerCpu: round(result.fillServerCpu),
				fillOtherCpu: round(result.fillOtherCpu),
				fileBytesAfterFill: result.fileBytesAfterFill,
				walBytesAfterFill: result.walBytesAfterFill,
				mbPerMillionAfterFill: round(result.fileBytesAfterFill / result.messages, 1),
				rssBeforeFillKiB: result.rssBeforeFillKiB,
				rssAfterFillKiB: result.rssAfterFillKiB,
				page: result.page,
				newest: timingFigures(result.newest),
				middle: timingFigures(result.middle),
			};
		}
	}
}

/** What one scenario run with one store left behind, apart from its result. */
export type StoreRunFigures = {
	/** From the server's `stopped` log line; undefined when it logged none (killed, or the relay). */
	readonly stopped?: StoppedFigures;
	/** `.db` + `-wal` + `-shm` after the server stopped cleanly; undefined for `:memory:`. */
	readonly fileBytesAfterShutdown?: number;
	/** SIGTERM to exit. */
	readonly shutdownSeconds: number;
	readonly killed: boolean;
};

export type RunOutcome = {readonly result?: ScenarioResult; readonly error?: string; readonly store: StoreRunFigures};

/** A scenario's runs by store. */
export type StoreRuns = Partial<Record<StoreKind, RunOutcome>>;

export function storeLine(kind: StoreKind, figures: StoreRunFigures, messages?: number): string {
	const parts: string[] = [kind === 'file' ? 'store: SQLite file' : 'store: :memory:'];
	if (figures.stopped) {
		parts.push(`${figures.stopped.commits} commits, ${figures.stopped.rowsWritten} rows written, longest commit ${ms(figures.stopped.longestCommitMs)}`);
	} else {
		parts.push('no stopped line logged');
	}

	if (figures.fileBytesAfterShutdown !== undefined) {
		const perMillion = messages ? ` (${(figures.fileBytesAfterShutdown / messages).toFixed(0)} MB per million messages)` : '';
		parts.push(`${(figures.fileBytesAfterShutdown / 1e6).toFixed(1)} MB on disk after shutdown${perMillion}`);
	}

	parts.push(`shutdown ${figures.shutdownSeconds.toFixed(1)} s${figures.killed ? ' (KILLED: it did not stop in time)' : ''}`);
	return `  ${parts.join('; ')}`;
}

function ladderOf(outcome: RunOutcome | undefined): LadderResult | undefined {
	return outcome?.result?.kind === 'ladder' ? outcome.result : undefined;
}

function kneeRate(result: LadderResult | undefined): string | undefined {
	if (!result) {
		return undefined;
	}

	return result.knee ? `${rate(result, result.knee.deliveredPerSec)}${result.floor ? ' (floor)' : ''}` : 'no knee';
}

function percentOf(value: number | undefined): string {
	return value === undefined ? '' : `${(value * 100).toFixed(0)} %`;
}

/** The side-by-side rows: file vs memory for every scenario that ran with both (or either). */
export function comparisonRows(runs: Readonly<Record<string, StoreRuns>>): ComparisonRow[] {
	const rows: ComparisonRow[] = [];
	for (const [key, byStore] of Object.entries(runs)) {
		const file = byStore.file;
		const memory = byStore.memory;
		const fileLadder = ladderOf(file);
		const memoryLadder = ladderOf(memory);
		if (fileLadder ?? memoryLadder) {
			const fileRate = fileLadder?.knee?.deliveredPerSec;
			const memoryRate = memoryLadder?.knee?.deliveredPerSec;
			const share = ratio(fileRate, memoryRate);
			const note = [
				share === undefined ? '' : `${percentOf(share)}${key.startsWith('fanout') ? ` (target ≥ 90 %: ${share >= 0.9 ? 'met' : 'missed'})` : ''}`,
				key === 'private' && fileLadder ? `target ≥ 130 k/s with the file: ${(fileRate ?? 0) >= 130e3 ? 'met' : 'missed'}` : '',
			].filter(Boolean).join('; ');
			rows.push(
				{label: `${key} knee`, file: kneeRate(fileLadder), memory: kneeRate(memoryLadder), note},
				{label: `${key} p50 / p99 at the knee`, file: fileLadder?.knee ? `${ms(fileLadder.knee.p50Ms)} / ${ms(fileLadder.knee.p99Ms)}` : undefined, memory: memoryLadder?.knee ? `${ms(memoryLadder.knee.p50Ms)} / ${ms(memoryLadder.knee.p99Ms)}` : undefined},
				{label: `${key} server µs/delivery at the knee`, file: fileLadder?.knee?.serverMicrosPerDelivery.toFixed(2), memory: memoryLadder?.knee?.serverMicrosPerDelivery.toFixed(2)},
			);
		}

		const resume = (outcome: RunOutcome | undefined) => (outcome?.result?.kind === 'resume' ? outcome.result : undefined);
		const fileResume = resume(file);
		const memoryResume = resume(memory);
		if (fileResume ?? memoryResume) {
			const missed = (fileResume ?? memoryResume)!.missed;
			rows.push(
				{label: `resume ${missed}, just sent: to resumed`, file: fileResume && timingText(fileResume.recent.resumed), memory: memoryResume && timingText(memoryResume.recent.resumed)},
				{label: `resume ${missed}, idle: to resumed`, file: fileResume && timingText(fileResume.idle.resumed), memory: memoryResume && timingText(memoryResume.idle.resumed)},
			);
		}

		const history = (outcome: RunOutcome | undefined) => (outcome?.result?.kind === 'history' ? outcome.result : undefined);
		const fileHistory = history(file);
		const memoryHistory = history(memory);
		if (fileHistory ?? memoryHistory) {
			const messages = (fileHistory ?? memoryHistory)!.messages;
			const fill = (result: HistoryResult | undefined) => result && `${thousands(result.fillMessagesPerSec)} (${result.fillSeconds.toFixed(1)} s)`;
			const afterShutdown = file?.store.fileBytesAfterShutdown;
			rows.push(
				{label: `history fill, ${messages.toLocaleString('en')} messages`, file: fill(fileHistory), memory: fill(memoryHistory), note: percentOf(ratio(fileHistory?.fillMessagesPerSec, memoryHistory?.fillMessagesPerSec))},
				{label: 'history newest 50', file: fileHistory && timingText(fileHistory.newest), memory: memoryHistory && timingText(memoryHistory.newest)},
				{label: 'history 50 before the middle', file: fileHistory && timingText(fileHistory.middle), memory: memoryHistory && timingText(memoryHistory.middle)},
				{label: 'MB per million messages, after the fill', file: fileHistory && (fileHistory.fileBytesAfterFill / messages).toFixed(0), memory: undefined, note: '.db + -wal + -shm'},
				{label: 'MB per million messages, after shutdown', file: afterShutdown === undefined ? undefined : (afterShutdown / messages).toFixed(0), memory: undefined},
				{label: 'server RSS after the fill', file: fileHistory && `${(fileHistory.rssAfterFillKiB / 1024).toFixed(0)} MiB`, memory: memoryHistory && `${(memoryHistory.rssAfterFillKiB / 1024).toFixed(0)} MiB`},
			);
		}

		if (file?.store.stopped && file.store.stopped.commits > 0) {
			rows.push({label: `${key} longest commit`, file: ms(file.store.stopped.longestCommitMs), memory: undefined, note: `${file.store.stopped.commits} commits, ${file.store.stopped.rowsWritten} rows`});
		}
	}

	return rows;
}
