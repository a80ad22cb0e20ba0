import {closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync} from 'node:fs';
import path from 'node:path';

/** Store files open in this process (a second SqliteStore on one file would race the first). */
const openHere = new Set<string>();

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error instanceof Error && 'code' in error && error.code === 'EPERM';
	}
}

function readOr(file: string, otherwise: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return otherwise;
	}
}

/** The kernel's id of this boot (Linux), so a lock from before a reboot is not taken for a live one. */
function bootId(): string {
	return readOr('/proc/sys/kernel/random/boot_id', '').trim();
}

/** A process's state letter and start time (clock ticks since boot) from /proc, undefined where there is none. */
function procStat(pid: number): {readonly state: string; readonly start: string} | undefined {
	const stat = readOr(`/proc/${pid}/stat`, '');
	// The command name may hold spaces and parentheses: the fields start after the last ')'.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return fields.length > 19 ? {state: fields[0]!, start: fields[19]!} : undefined;
}

/** What a lock file says of its owner: its pid and, since this version, its start time and boot. */
type Owner = {readonly pid: number; readonly start?: string; readonly boot?: string};

function parseOwner(text: string): Owner | undefined {
	const [pid, start, boot] = text.trim().split(/\s+/);
	const owner = Number.parseInt(pid ?? '', 10);
	if (!Number.isSafeInteger(owner) || owner <= 0) {
		return undefined;
	}

	return start === undefined || boot === undefined ? {pid: owner} : {pid: owner, start, boot};
}

/**
Whether the lock's owner still runs. A pid alone is not enough: a crashed server may linger as a
zombie until its parent reaps it, and after a reboot or a container restart its pid may belong to
another process. So the lock names the owner's start time and boot, and a process that is a
zombie, or started at another time, or in another boot, holds nothing. (Where /proc is missing,
a live pid is all there is to go on.)
*/
function holds(owner: Owner): boolean {
	if (owner.pid === process.pid || !alive(owner.pid)) {
		return false;
	}

	const stat = procStat(owner.pid);
	if (stat === undefined) {
		return true;
	}

	if (stat.state === 'Z' || stat.state === 'X') {
		return false;
	}

	if (owner.start !== undefined) {
		return owner.start === stat.start && owner.boot === bootId();
	}

	// A lock written by an older natter (a pid only): held if that pid runs Node (natter runs in it).
	return /(^|\/)(node|natter)[^/\0]*(\0|$)/.test(readOr(`/proc/${owner.pid}/cmdline`, ''));
}

function ownerLine(): string {
	const start = procStat(process.pid)?.start;
	const boot = bootId();
	return start === undefined || boot === '' ? `${process.pid}\n` : `${process.pid} ${start} ${boot}\n`;
}

function canonical(file: string): string {
	const absolute = path.resolve(file);
	try {
		return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
	} catch {
		return absolute;
	}
}

/**
Makes this process the file's only writer: `FILE.lock` holds the owner's pid, start time and boot
id (a lock left by a process that is gone is taken over, as after a crash; see `holds`). Returns
the release function. Throws an Error naming the owner when another live process holds it.
*/
export function lockStore(file: string): () => void {
	const key = canonical(file);
	if (openHere.has(key)) {
		throw new Error('it is already open in this process');
	}

	const lockFile = `${key}.lock`;
	for (let attempt = 0; ; attempt++) {
		try {
			const fd = openSync(lockFile, 'wx');
			try {
				writeSync(fd, ownerLine());
			} finally {
				closeSync(fd);
			}

			break;
		} catch (error) {
			if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST') || attempt > 0) {
				throw new Error(`cannot create the lock file ${lockFile} (${error instanceof Error ? error.message : String(error)})`);
			}
		}

		const owner = parseOwner(readOr(lockFile, ''));
		if (owner !== undefined && holds(owner)) {
			throw new Error(`it is in use by process ${owner.pid} (another natter server?); if that process is not natter, remove ${lockFile}`);
		}

		unlinkSync(lockFile);
	}

	openHere.add(key);
	return () => {
		openHere.delete(key);
		try {
			unlinkSync(lockFile);
		} catch {}
	};
}

/**
The pid of the live process holding `file`'s lock, when the lock proves who it is (it names the
owner's start time and boot, and they match): a process it is safe to signal. Undefined otherwise.
*/
export function lockOwner(file: string): number | undefined {
	const owner = parseOwner(readOr(`${canonical(file)}.lock`, ''));
	return owner?.start !== undefined && holds(owner) ? owner.pid : undefined;
}
