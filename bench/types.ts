/** What the orchestrator asks one load-generator process to run. */
export type ScenarioSpec = {
	readonly scenario: 'fanout' | 'private' | 'connect' | 'loginStorm';
	readonly name: string;
	readonly port: number;
	readonly serverPid: number;
	readonly quick: boolean;
	/** Bench users are `${userPrefix}${index}` with `password` (cost-4 hashes). */
	readonly userPrefix: string;
	readonly password: string;
	/** Fresh login-storm users are `${stormPrefix}${index}` with `stormPassword` (cost-10 hashes). */
	readonly stormPrefix: string;
	readonly stormPassword: string;
	/** fanout: group members; private: clients; connect: connections; loginStorm: logins. */
	readonly size: number;
	/** Replaces the rate ladder (deliveries/s), e.g. to compare two builds at fixed rates. */
	readonly rates?: readonly number[];
};

export type LadderStep = {
	/** Deliveries per second the senders offered. */
	readonly offeredPerSec: number;
	/** Unique deliveries received during the send window, per second. */
	readonly deliveredPerSec: number;
	readonly seconds: number;
	readonly messagesSent: number;
	readonly expected: number;
	readonly delivered: number;
	/** Deliveries not there 2 s after the step's window: late (past the p99 bound) or lost. */
	readonly lost: number;
	readonly duplicates: number;
	readonly outOfOrder: number;
	readonly p50Ms: number;
	readonly p99Ms: number;
	readonly maxMs: number;
	/** CPU use as a fraction of one core, over the step (load generator: process.cpuUsage()). */
	readonly loadCpu: number;
	readonly serverCpu: number;
	/** CPU other processes used meanwhile (other people's tests): the figure is noisy when this is high. */
	readonly otherCpu: number;
	/** Server CPU time per delivery (µs): the cost figure least disturbed by other load on the machine. */
	readonly serverMicrosPerDelivery: number;
	readonly loadMicrosPerDelivery: number;
	/**
	Who is behind: the mean bytes waiting unread in the server's sockets (commands) and in the load
	generator's (deliveries), each turned into milliseconds of that side's input at the step's rate.
	*/
	readonly serverBacklogMs: number;
	readonly loadBacklogMs: number;
	readonly droppedConnections: number;
	readonly pass: boolean;
	readonly why?: string;
};

export type LadderResult = {
	readonly kind: 'ladder';
	readonly name: string;
	/** Group members (fan-out) or clients (private). */
	readonly clients: number;
	readonly senders: number;
	readonly steps: readonly LadderStep[];
	/** The highest passing step: 0 loss and p99 ≤ 500 ms. */
	readonly knee: LadderStep | undefined;
	/** True when the knee is a lower bound: the load generator, not the server, may have been the limit. */
	readonly floor: boolean;
	readonly limit: string;
	/** Over the whole ladder, after a final wait of up to 10 s: messages that never arrived, duplicates, gaps. */
	readonly neverDelivered: number;
	readonly duplicates: number;
	readonly outOfOrder: number;
};

export type ConnectResult = {
	readonly kind: 'connect';
	readonly name: string;
	readonly connections: number;
	readonly loggedIn: number;
	readonly secondsToAllLoggedIn: number;
	readonly loginsPerSec: number;
	/** The server before any login, and after one login (its bcrypt worker threads started). */
	readonly rssIdleKiB: number;
	readonly rssBeforeKiB: number;
	readonly rssAfterKiB: number;
	/** (after − before) ÷ connections: what the issue asks for. */
	readonly rssPerConnectionKiB: number;
	/** RSS with half the connections in, and the growth per connection over the second half. */
	readonly rssHalfKiB: number;
	readonly rssMarginalPerConnectionKiB: number;
	readonly heldSeconds: number;
	readonly answeredPing: number;
	readonly dropped: number;
	readonly loadCpu: number;
	readonly serverCpu: number;
	readonly otherCpu: number;
};

export type StormResult = {
	readonly kind: 'storm';
	readonly name: string;
	readonly logins: number;
	readonly failedLogins: number;
	/** Why logins failed, as the client saw it (the server's bye reason when it gave one). */
	readonly failureReasons: Readonly<Record<string, number>>;
	readonly seconds: number;
	readonly loginsPerSec: number;
	readonly loginP50Ms: number;
	readonly loginP99Ms: number;
	readonly fanoutMembers: number;
	readonly fanoutDeliveriesPerSec: number;
	readonly baselineP50Ms: number;
	readonly baselineP99Ms: number;
	readonly stormP50Ms: number;
	readonly stormP99Ms: number;
	readonly stormMaxMs: number;
	readonly lost: number;
	readonly duplicates: number;
	readonly outOfOrder: number;
	readonly loadCpu: number;
	readonly serverCpu: number;
	readonly otherCpu: number;
};

export type ScenarioResult = LadderResult | ConnectResult | StormResult;

/** Messages from the load generator to the orchestrator over IPC. */
export type LoadMessage =
	| {readonly type: 'progress'; readonly text: string}
	| {readonly type: 'result'; readonly result: ScenarioResult}
	| {readonly type: 'failed'; readonly message: string};
