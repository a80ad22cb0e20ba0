/** What the orchestrator asks one load-generator process to run. */
export type ScenarioSpec = {
	readonly scenario: 'fanout' | 'private' | 'connect' | 'loginStorm' | 'resume' | 'history';
	readonly name: string;
	readonly port: number;
	/** fanout and private over IRC: the server's IRC port (the clients register there and speak IRC). */
	readonly ircPort?: number;
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
	/** The server's `--data` file (absent for `:memory:`): the load generator measures its size after a fill. */
	readonly dataFile?: string;
	/** fanout on several nodes (`natter serve --redis`): client i logs in on ports[i % ports.length] (`port` is the first). */
	readonly ports?: readonly number[];
	/** Other server-side processes (the other nodes, redis-server) whose CPU counts as the server's. */
	readonly clusterPids?: readonly number[];
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

/** Percentiles of a set of timings, in milliseconds. */
export type Timing = {readonly count: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number};

export type ResumeCase = {
	/** From sending `login` (with `resume`) to `login_ok`: the password check and the login itself. */
	readonly loginOk: Timing;
	/** From sending `login` to reading the last missed message. */
	readonly lastMessage: Timing;
	/** From sending `login` to reading `resumed`. */
	readonly resumed: Timing;
	/** Missed messages each resume carried (all repetitions the same, else the smallest). */
	readonly messages: number;
};

export type ResumeResult = {
	readonly kind: 'resume';
	readonly name: string;
	/** Missed messages per resume. */
	readonly missed: number;
	readonly repetitions: number;
	/** 1000 new messages were sent (and committed) just before each resume: the newest ones, still in the store's memory. */
	readonly recent: ResumeCase;
	/** The same 1000 resumed again and again after the server was idle for a while (the SQLite store indexed them and reads them from disk). */
	readonly idle: ResumeCase;
	readonly serverCpu: number;
	readonly otherCpu: number;
};

export type HistoryResult = {
	readonly kind: 'history';
	readonly name: string;
	/** Messages in the conversation after the fill. */
	readonly messages: number;
	readonly senders: number;
	/** The fill: every message sent at full speed, pipelined, each `ok` (so each commit) awaited. */
	readonly fillSeconds: number;
	readonly fillMessagesPerSec: number;
	readonly fillServerCpu: number;
	readonly fillOtherCpu: number;
	/** `.db` + `-wal` (+ `-shm`) right after the fill, while the server runs; 0 for `:memory:`. */
	readonly fileBytesAfterFill: number;
	/** The `-wal` file alone, right after the fill. */
	readonly walBytesAfterFill: number;
	/** Server RSS after the fill. */
	readonly rssAfterFillKiB: number;
	readonly rssBeforeFillKiB: number;
	/** Messages per `/history` page. */
	readonly page: number;
	/** `/history #g 50`, one request at a time. */
	readonly newest: Timing;
	/** `/history #g before S 50` with S drawn around the middle of the conversation. */
	readonly middle: Timing;
};

export type ScenarioResult = LadderResult | ConnectResult | StormResult | ResumeResult | HistoryResult;

/** Messages from the load generator to the orchestrator over IPC. */
export type LoadMessage =
	| {readonly type: 'progress'; readonly text: string}
	| {readonly type: 'result'; readonly result: ScenarioResult}
	| {readonly type: 'failed'; readonly message: string};
