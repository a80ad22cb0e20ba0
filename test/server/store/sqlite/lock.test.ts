import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {lockStore} from '../../../../server/store/sqlite/lock.js';
import {tempDirs} from '../helpers.js';

const tempDir = tempDirs();
const children: ChildProcess[] = [];

afterEach(() => {
	for (const child of children.splice(0)) {
		child.kill('SIGKILL');
	}
});

function procStat(pid: number): {state: string; start: string} | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return {state: fields[0]!, start: fields[19]!};
	} catch {
		return undefined;
	}
}

const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** Runs `script` in sh; resolves with the first line it prints. */
async function startShell(script: string): Promise<{child: ChildProcess; line: string}> {
	const child = spawn('sh', ['-c', script], {stdio: ['ignore', 'pipe', 'inherit']});
	children.push(child);
	const [chunk] = await once(child.stdout!, 'data') as [Buffer];
	return {child, line: chunk.toString('utf8').trim()};
}

/** A process that has exited but was never reaped by its parent (which sleeps on): a zombie. */
async function zombie(): Promise<number> {
	// `sleep 0` runs in the background; the shell then becomes `sleep 30`, which never waits for it.
	const {line} = await startShell('sleep 0 & echo $!; exec sleep 30');
	const pid = Number(line);
	while (procStat(pid)?.state !== 'Z') {
		await new Promise(resolve => {
			setImmediate(resolve);
		});
	}

	return pid;
}

describe.runIf(process.platform === 'linux')('the store lock (FILE.lock)', () => {
	it('names this process, its start time and the boot in the lock, and removes it on release', () => {
		const file = path.join(tempDir(), 'natter.db');
		const release = lockStore(file);
		expect(readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid} ${procStat(process.pid)!.start} ${bootId()}\n`);
		expect(() => lockStore(file)).toThrow('it is already open in this process');
		release();
		expect(() => readFileSync(`${file}.lock`)).toThrow(/ENOENT/);
	});

	it('refuses a lock held by a live process that started when the lock says', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const {child} = await startShell('echo up; exec sleep 30');
		writeFileSync(`${file}.lock`, `${child.pid} ${procStat(child.pid!)!.start} ${bootId()}\n`);
		expect(() => lockStore(file)).toThrow(`it is in use by process ${child.pid} (another natter server?); if that process is not natter, remove ${file}.lock`);
	});

	it('takes over a lock whose owner is a zombie (crashed, not yet reaped by its parent)', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const pid = await zombie();
		const start = procStat(pid)!.start;
		writeFileSync(`${file}.lock`, `${pid} ${start} ${bootId()}\n`);
		const release = lockStore(file);
		expect(readFileSync(`${file}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
		release();
		// A lock from an older natter (the pid alone) is taken over from a zombie too.
		writeFileSync(`${file}.lock`, `${pid}\n`);
		lockStore(file)();
	});

	it('takes over a lock whose pid now belongs to another process (started later, or in another boot)', async () => {
		const file = path.join(tempDir(), 'natter.db');
		const {child} = await startShell('echo up; exec sleep 30');
		const {start} = procStat(child.pid!)!;
		writeFileSync(`${file}.lock`, `${child.pid} ${Number(start) - 1} ${bootId()}\n`);
		lockStore(file)();
		writeFileSync(`${file}.lock`, `${child.pid} ${start} 00000000-0000-0000-0000-000000000000\n`);
		lockStore(file)();
		// A pid-only lock (an older natter) is held only while that pid runs Node: `sleep` is not natter.
		writeFileSync(`${file}.lock`, `${child.pid}\n`);
		lockStore(file)();
	});

	it('takes over a lock left by a process that is gone, or one that names no process', () => {
		const file = path.join(tempDir(), 'natter.db');
		for (const text of ['2147483646\n', '', 'garbage\n', '-5\n']) {
			writeFileSync(`${file}.lock`, text);
			lockStore(file)();
		}
	});
});
