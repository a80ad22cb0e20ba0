import {spawn} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, test} from 'vitest';
import {openFileLimit} from '../../server/net/fd-limit.js';
import {usersFileText, testUsers} from '../helpers/test-server.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) {
		// eslint-disable-next-line no-await-in-loop
		await cleanup();
	}
});

describe('running out of file descriptors (hole 2)', () => {
	test('openFileLimit reads the soft limit, and nothing when unlimited or unreadable', () => {
		expect(openFileLimit(() => 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n')).toBe(1024);
		expect(openFileLimit(() => 'Max open files            unlimited            unlimited            files\n')).toBeUndefined();
		expect(openFileLimit(() => {
			throw new Error('no /proc');
		})).toBeUndefined();
	});

	test.runIf(process.platform === 'linux')('natter serve under ulimit -n 64: connections from one exempt address fill it, and it is logged once for the burst', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'natter-fd-'));
		cleanups.push(async () => rm(dir, {recursive: true, force: true}));
		const users = path.join(dir, 'users.txt');
		await writeFile(users, usersFileText(testUsers));
		const child = spawn('bash', ['-c', `ulimit -n 64; exec "${process.execPath}" "${cli}" serve --port 0 --users "${users}" --data :memory:`], {stdio: ['ignore', 'pipe', 'pipe']});
		cleanups.push(() => {
			child.kill('SIGKILL');
		});
		let stdout = '';
		let stderr = '';
		const changed = new Set<() => void>();
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			stdout += chunk;
			for (const wake of changed) {
				wake();
			}
		});
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
			stderr += chunk;
			for (const wake of changed) {
				wake();
			}
		});
		const until = async (check: () => boolean, what: string) => new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(new Error(`no ${what} within 10 s; stderr: ${stderr.slice(-500)}`));
			}, 10_000);
			const wake = () => {
				if (check()) {
					clearTimeout(timer);
					changed.delete(wake);
					resolve();
				}
			};

			changed.add(wake);
			wake();
		});
		await until(() => /listening on .*:\d+\n/.test(stdout), 'listening line');
		const port = Number(/:(\d+)\n/.exec(stdout)![1]);
		const sockets: net.Socket[] = [];
		cleanups.push(() => {
			for (const socket of sockets) {
				socket.destroy();
			}
		});
		for (let index = 0; index < 80; index++) {
			const socket = net.connect(port, '127.0.0.1');
			socket.on('error', () => {});
			sockets.push(socket);
		}

		await until(() => stderr.includes(' accept_failed '), 'accept_failed line');
		expect(stderr.match(/ accept_failed /g)).toHaveLength(1);
		expect(stderr).toMatch(/error accept_failed code=EMFILE connections=\d+ limit=64/);
	});
});
