import {readFileSync} from 'node:fs';

/** Linux reports CPU times in /proc in USER_HZ ticks, which is 100 on every mainstream kernel. */
const ticksPerSecond = 100;

/** Resident memory of a process in KiB (VmRSS), or undefined where /proc is not readable. */
export function readRssKiB(pid: number): number | undefined {
	try {
		const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}

/** User + system CPU seconds of a process, all its threads included. */
export function readCpuSeconds(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name may hold spaces; the fields after its closing parenthesis are fixed.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
	} catch {
		return undefined;
	}
}

/** CPU use over an interval as a fraction of one core, from two samples. */
export class CpuMeter {
	readonly #read: () => number | undefined;
	#startCpu: number | undefined;
	#startWall = 0;

	constructor(read: () => number | undefined) {
		this.#read = read;
		this.start();
	}

	start(): void {
		this.#startCpu = this.#read();
		this.#startWall = performance.now();
	}

	/** Fraction of one core since `start()`; -1 when unknown. */
	read(): number {
		const cpu = this.#read();
		const wall = (performance.now() - this.#startWall) / 1000;
		if (cpu === undefined || this.#startCpu === undefined || wall <= 0) {
			return -1;
		}

		return (cpu - this.#startCpu) / wall;
	}
}

/** This process's CPU seconds, from process.cpuUsage(). */
export function ownCpuSeconds(): number {
	const {user, system} = process.cpuUsage();
	return (user + system) / 1e6;
}

/** CPU seconds all processes on the machine spent busy (every core), from /proc/stat. */
export function readMachineBusySeconds(): number | undefined {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
		const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
		return (user! + nice! + system! + irq! + softirq! + steal!) / ticksPerSecond;
	} catch {
		return undefined;
	}
}

export type SocketBacklog = {
	/** Bytes in the server's receive queues: commands it has not read yet. */
	serverUnread: number;
	/** Bytes in the load generator's receive queues: deliveries it has not read yet. */
	loadUnread: number;
};

/**
Who is behind: on loopback, bytes a process has not read yet wait in its sockets' receive
queues (/proc/net/tcp rx_queue). A server that cannot keep up leaves commands unread; a load
generator that cannot keep up leaves deliveries unread.
*/
export function readSocketBacklog(serverPort: number): SocketBacklog {
	const backlog = {serverUnread: 0, loadUnread: 0};
	let table: string;
	try {
		table = readFileSync('/proc/net/tcp', 'latin1');
	} catch {
		return backlog;
	}

	const portHex = serverPort.toString(16).toUpperCase().padStart(4, '0');
	for (const line of table.split('\n')) {
		const fields = line.trim().split(/\s+/);
		const [, local, remote, , queues] = fields;
		if (!local || !remote || !queues?.includes(':')) {
			continue;
		}

		const unread = Number.parseInt(queues.slice(queues.indexOf(':') + 1), 16);
		if (local.endsWith(`:${portHex}`)) {
			backlog.serverUnread += unread;
		} else if (remote.endsWith(`:${portHex}`)) {
			backlog.loadUnread += unread;
		}
	}

	return backlog;
}
