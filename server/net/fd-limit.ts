import {readFileSync} from 'node:fs';

/** Descriptors kept for what is not a client: the listener, the data file and its WAL, workers, the metrics port, logs. */
export const fdReserve = 32;

/**
The process's soft limit on open files (`ulimit -n`), read from /proc/self/limits; undefined where
that is not available (not Linux) or unlimited. Node cannot see an accept that fails for want of a
descriptor (libuv accepts and closes such a connection silently), so the server watches its own
connection count against this instead.
*/
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
	try {
		const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(read());
		return match && match[1] !== 'unlimited' ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}
