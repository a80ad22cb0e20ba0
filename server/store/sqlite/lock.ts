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

function canonical(file: string): string {
	const absolute = path.resolve(file);
	try {
		return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
	} catch {
		return absolute;
	}
}

/**
Makes this process the file's only writer: `FILE.lock` holds the owner's pid (a lock left by a
process that is gone is taken over, as after a crash). Returns the release function. Throws an
Error naming the owner when another live process holds it.
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
				writeSync(fd, `${process.pid}\n`);
			} finally {
				closeSync(fd);
			}

			break;
		} catch (error) {
			if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST') || attempt > 0) {
				throw new Error(`cannot create the lock file ${lockFile} (${error instanceof Error ? error.message : String(error)})`);
			}
		}

		let owner = Number.NaN;
		try {
			owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
		} catch {}

		if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
			throw new Error(`it is in use by process ${owner} (another natter server?); if that process is not natter, remove ${lockFile}`);
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
