import {spawnSync} from 'node:child_process';
import process from 'node:process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import stringWidth from 'string-width';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {ChatConnection} from '../../source/client/connection.js';
import {startServer, type NatterServer} from '../../server/index.js';
import {nextEvent} from '../helpers/next-event.js';
import {tmuxAvailable, tmuxDriver} from '../helpers/tmux.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const usersFile = fileURLToPath(new URL('../../users.txt', import.meta.url));
const hasTmux = tmuxAvailable;
const socket = `natter-e2e-${process.pid}`;

const {tmux, waitFor} = tmuxDriver(socket);

const pane = () => tmux('capture-pane', '-p', '-t', 'e2e');

async function waitForPane(predicate: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string> {
	return waitFor(pane, predicate, what, timeoutMs);
}

function type(text: string): void {
	tmux('send-keys', '-t', 'e2e', '-l', text);
}

function press(...keys: string[]): void {
	tmux('send-keys', '-t', 'e2e', ...keys);
}

let server: NatterServer | undefined;
let bob: ChatConnection | undefined;

beforeAll(async () => {
	if (!hasTmux) {
		return;
	}

	if (!existsSync(cli)) {
		throw new Error('dist/cli.js is missing: build first (npm run build)');
	}

	server = await startServer({host: '127.0.0.1', port: 0, usersFile, rate: 0, data: ':memory:'});
	bob = await ChatConnection.open({...server.address, user: 'bob', password: 'builder'});
	const created = await bob.request('/create_group e2e');
	expect(created.type).toBe('ok');
});

afterAll(async () => {
	if (hasTmux) {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
	}

	await bob?.close();
	await server?.close();
});

test.skipIf(!hasTmux)('natter connect in a real terminal (tmux): log in, group message, DM, resize, /exit', async () => {
	const {port} = server!.address;
	// What natter writes to the terminal is kept (pipe-pane), to see the modes it turns on and off;
	// natter starts only once the pipe is in place.
	const directory = await mkdtemp(path.join(tmpdir(), 'natter-e2e-'));
	const output = path.join(directory, 'pane.out');
	const ready = path.join(directory, 'ready');
	// The shell line after natter reports its exit code once the alternate screen is gone.
	tmux(
		'new-session', '-d', '-s', 'e2e', '-x', '100', '-y', '30', '-c', root,
		`while [ ! -e ${JSON.stringify(ready)} ]; do sleep 0.05; done; node ${JSON.stringify(cli)} connect --host 127.0.0.1 --port ${port}; echo "natter exited with $?"; sleep 600`,
	);
	tmux('pipe-pane', '-t', 'e2e', '-o', `cat >> ${JSON.stringify(output)}`);
	await writeFile(ready, '');

	await waitForPane(screen => screen.includes(`Log in to 127.0.0.1:${port}`), 'the login screen');
	type('alice');
	press('Enter');
	type('wonderland');
	press('Enter');
	const chat = await waitForPane(screen => screen.includes(`alice@127.0.0.1:${port}`) && screen.includes('● online'), 'the chat screen');
	expect(chat).not.toContain('wonderland');

	type('/join_group e2e');
	press('Enter');
	await waitForPane(screen => screen.includes('#e2e ›'), 'the group to open');

	await bob!.request('/group_msg e2e hello from bob');
	await waitForPane(screen => screen.includes('bob: hello from bob'), 'bob\'s group message');
	const groupMessage = nextEvent(bob!, event => event.type === 'group_msg' && event.from === 'alice');
	type('hi from tmux');
	press('Enter');
	expect(await groupMessage).toMatchObject({group: 'e2e', text: 'hi from tmux'});
	await waitForPane(screen => screen.includes('alice (you): hi from tmux'), 'my group message');

	await bob!.request('/msg alice a direct word');
	await waitForPane(screen => /@ bob +1/.test(screen), 'the unread direct message');
	press('C-n');
	await waitForPane(screen => screen.includes('@bob (direct)') && screen.includes('bob: a direct word'), 'the direct conversation');
	const direct = nextEvent(bob!, event => event.type === 'msg' && event.from === 'alice');
	type('and back to you');
	press('Enter');
	expect(await direct).toMatchObject({to: 'bob', text: 'and back to you'});

	tmux('resize-window', '-t', 'e2e', '-x', '80', '-y', '24');
	const small = await waitForPane(screen => {
		const rows = screen.split('\n');
		return rows[0]!.startsWith('natter alice@') && rows[22]?.startsWith('╰') === true && rows[0]!.length <= 80;
	}, 'the 80x24 layout');
	const rows = small.split('\n');
	expect(rows.every(row => row.length <= 80)).toBe(true);
	expect(rows[23]?.trim() ?? '').toBe('');
	expect(small).toContain('and back to you');

	type('/exit');
	press('Enter');
	const after = await waitForPane(screen => screen.includes('natter exited with'), 'natter to exit');
	expect(after).toContain('natter exited with 0');
	// The alternate screen is gone: no chat panel left on the normal screen.
	expect(after).not.toContain('Conversations');
	// Bracketed paste and focus reports were on, and are off again.
	await expect.poll(async () => readFile(output, 'utf8')).toContain('natter exited with');
	const written = await readFile(output, 'utf8');
	for (const mode of ['2004', '1004']) {
		expect(written).toContain(`\u001B[?${mode}h`);
		expect(written.lastIndexOf(`\u001B[?${mode}l`)).toBeGreaterThan(written.lastIndexOf(`\u001B[?${mode}h`));
	}

	await rm(directory, {recursive: true, force: true});

	// Started again, the TUI finds the earlier conversation where it was left: on the server.
	await bob!.request('/group_msg e2e while you were away');
	tmux('kill-session', '-t', 'e2e');
	tmux(
		'new-session', '-d', '-s', 'e2e', '-x', '100', '-y', '30', '-c', root,
		`node ${JSON.stringify(cli)} connect --host 127.0.0.1 --port ${port} --user alice; echo "natter exited with $?"; sleep 600`,
	);
	await waitForPane(screen => screen.includes('Password:'), 'the login screen again');
	type('wonderland');
	press('Enter');
	const again = await waitForPane(screen => screen.includes('● online') && /# e2e +1/.test(screen) && screen.includes('@ bob'), 'the conversations restored, one unread in #e2e');
	expect(again).not.toContain('wonderland');
	press('C-n');
	const history = await waitForPane(screen => screen.includes('#e2e ›') && screen.includes('bob: while you were away'), 'the history of #e2e');
	const at = (text: string) => history.indexOf(text);
	expect(at('bob: hello from bob')).toBeGreaterThan(-1);
	expect(at('bob: hello from bob')).toBeLessThan(at('alice (you): hi from tmux'));
	expect(at('alice (you): hi from tmux')).toBeLessThan(at('── new messages ──'));
	expect(at('── new messages ──')).toBeLessThan(at('bob: while you were away'));
	press('C-c');
	await waitForPane(screen => screen.includes('natter exited with 0'), 'natter to exit again');
});

test.skipIf(!hasTmux)('natter connect at 80x24 (tmux): Ctrl+A/Ctrl+K/Ctrl+W editing, a 45-line bracketed paste delivered whole under flood control, emoji that keep the frame at 24 lines, a bell on a DM', async () => {
	// Its own server with the default flood control (a burst of 30 lines, then 10 a second).
	const paced = await startServer({host: '127.0.0.1', port: 0, usersFile, data: ':memory:'});
	const peer = await ChatConnection.open({...paced.address, user: 'bob', password: 'builder'});
	const raw = path.join(await mkdtemp(path.join(tmpdir(), 'natter-raw-')), 'pane.raw');
	try {
		expect((await peer.request('/join paste')).type).toBe('ok');
		tmux(
			'new-session', '-d', '-s', 'habits', '-x', '80', '-y', '24', '-c', root,
			`node ${JSON.stringify(cli)} connect --host 127.0.0.1 --port ${paced.address.port} --user alice; echo "natter exited with $?"; sleep 600`,
		);
		// Every byte natter writes, to find the bell among them.
		tmux('pipe-pane', '-t', 'habits', `cat >> ${JSON.stringify(raw)}`);
		const habitsPane = () => tmux('capture-pane', '-p', '-t', 'habits');
		const waitForHabits = async (predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000) => {
			const started = Date.now();
			while (!predicate(habitsPane())) {
				if (Date.now() - started > timeoutMs) {
					throw new Error(`timed out waiting for ${what}; the pane shows:\n${habitsPane()}`);
				}

				// eslint-disable-next-line no-await-in-loop
				await new Promise(resolve => {
					setTimeout(resolve, 50);
				});
			}

			return habitsPane();
		};

		const typeHere = (text: string) => tmux('send-keys', '-t', 'habits', '-l', text);
		const pressHere = (...keys: string[]) => tmux('send-keys', '-t', 'habits', ...keys);
		await waitForHabits(screen => screen.includes('Password:'), 'the login screen');
		typeHere('wonderland');
		pressHere('Enter');
		await waitForHabits(screen => screen.includes('● online'), 'the chat screen');
		typeHere('/join #paste');
		pressHere('Enter');
		await waitForHabits(screen => screen.includes('#paste ›'), 'the group open');

		typeHere('say something else');
		pressHere('C-a', 'C-k');
		typeHere('hi there oops');
		pressHere('C-w', 'C-a');
		typeHere('>> ');
		await waitForHabits(screen => screen.includes('#paste › >> hi there'), 'the edited line');
		const edited = nextEvent(peer, event => event.type === 'group_msg' && event.from === 'alice');
		pressHere('Enter');
		expect(await edited).toMatchObject({text: '>> hi there '});

		const pasted = Array.from({length: 45}, (_, index) => `log line ${index + 1}`);
		const received: string[] = [];
		peer.on('event', event => {
			if (event.type === 'group_msg' && event.text.startsWith('log line')) {
				received.push(event.text);
			}
		});
		const buffer = path.join(path.dirname(raw), 'paste.txt');
		await writeFile(buffer, `${pasted.join('\n')}\n`);
		tmux('load-buffer', '-b', 'natter', buffer);
		tmux('paste-buffer', '-p', '-b', 'natter', '-t', 'habits');
		await waitForHabits(screen => screen.includes('45 pasted lines'), 'the paste waiting for Enter');
		pressHere('Enter');
		await waitForHabits(() => received.length === 45, 'all 45 lines at the peer', 20_000);
		expect(received).toEqual(pasted);

		for (let index = 0; index < 6; index++) {
			// eslint-disable-next-line no-await-in-loop
			await peer.request(`/group_msg paste family 👨‍👩‍👧 thumbs 👍🏽 ${'👍🏽'.repeat(index * 8)} #${index}`);
		}

		const emoji = await waitForHabits(screen => screen.includes('#5'), 'the emoji messages');
		const rows = emoji.split('\n');
		expect(rows[0]).toMatch(/^natter alice@.*● online/);
		expect(rows[22]?.startsWith('╰')).toBe(true);
		expect(rows.filter(row => row !== '')).toHaveLength(23);
		expect(rows.every(row => stringWidth(row) <= 80)).toBe(true);

		await peer.request('/msg alice alice, a word');
		await waitForHabits(screen => /@ bob +@?1/.test(screen), 'the DM in the list');
		// A bell: a BEL byte that does not end an OSC sequence (the title's); the pipe to the file may lag the screen.
		const bellWritten = async () => (await readFile(raw, 'utf8')).replaceAll(/\u001B\][^\u0007]*\u0007/g, '').includes('\u0007');
		await expect.poll(bellWritten, {timeout: 5000}).toBe(true);
		expect(await readFile(raw, 'utf8')).toMatch(/\u001B\]2;natter \(\d+\) alice@/);
		pressHere('C-c');
		await waitForHabits(screen => screen.includes('natter exited with 0'), 'natter to exit');
	} finally {
		spawnSync('tmux', ['-L', socket, 'kill-session', '-t', 'habits']);
		await peer.close();
		await paced.close();
		await rm(path.dirname(raw), {recursive: true, force: true});
	}
});

test.skipIf(!hasTmux)('natter demo: every panel filled, natterbot answers in the DM, Ctrl+C leaves with exit code 0; the next run shows the earlier conversation', async () => {
	const dataDirectory = await mkdtemp(path.join(tmpdir(), 'natter-demo-'));
	const data = path.join(dataDirectory, 'demo.db');
	const startDemo = () => {
		tmux(
			'new-session', '-d', '-s', 'demo', '-x', '80', '-y', '24', '-c', root,
			`node ${JSON.stringify(cli)} demo --data ${JSON.stringify(data)}; echo "demo exited with $?"; sleep 600`,
		);
	};

	startDemo();
	const demoPane = () => tmux('capture-pane', '-p', '-t', 'demo');
	const waitForDemo = async (predicate: (screen: string) => boolean, what: string) => {
		const started = Date.now();
		while (!predicate(demoPane())) {
			if (Date.now() - started > 15_000) {
				throw new Error(`timed out waiting for ${what}; the pane shows:\n${demoPane()}`);
			}

			await new Promise(resolve => {
				setTimeout(resolve, 50);
			});
		}

		return demoPane();
	};

	// Who is online comes with the /users refresh after the login, maybe after the greetings.
	const first = await waitForDemo(screen => screen.includes('natterbot is online') && /@ natterbot +@?1/.test(screen) && screen.includes('● natterbot'), 'the demo screen');
	expect(first).toMatch(/# lobby +@?1/);
	expect(first).toContain('Demo data:');
	tmux('send-keys', '-t', 'demo', 'C-n', 'C-n');
	await waitForDemo(screen => screen.includes('@natterbot (direct)'), 'the conversation with natterbot');
	tmux('send-keys', '-t', 'demo', '-l', 'ping');
	tmux('send-keys', '-t', 'demo', 'Enter');
	await waitForDemo(screen => screen.includes('natterbot: pong!'), 'natterbot\'s answer');
	tmux('send-keys', '-t', 'demo', 'C-c');
	const after = await waitForDemo(screen => screen.includes('demo exited with'), 'the demo to exit');
	expect(after).toContain('demo exited with 0');

	tmux('kill-session', '-t', 'demo');
	startDemo();
	await waitForDemo(screen => screen.includes('natterbot is online') && screen.includes('Demo data:') && screen.includes('● natterbot'), 'the demo again');
	tmux('send-keys', '-t', 'demo', 'C-n', 'C-n');
	const earlier = await waitForDemo(screen => screen.includes('@natterbot (direct)') && screen.includes('natterbot: pong!'), 'the earlier conversation with natterbot');
	expect(earlier.indexOf('alice (you): ping')).toBeGreaterThan(-1);
	expect(earlier.indexOf('alice (you): ping')).toBeLessThan(earlier.indexOf('natterbot: pong!'));
	tmux('send-keys', '-t', 'demo', 'C-c');
	await waitForDemo(screen => screen.includes('demo exited with 0'), 'the demo to exit again');
	await rm(dataDirectory, {recursive: true, force: true});
});

test('without a terminal, connect and demo say so on stderr and exit 1 (no raw-mode stack trace); a bad port is a usage error', () => {
	for (const command of ['connect', 'demo']) {
		const result = spawnSync(process.execPath, [cli, command], {input: '', encoding: 'utf8', timeout: 15_000});
		expect(result.status).toBe(1);
		expect(result.stderr).toContain(`natter ${command} is an interactive terminal app`);
		expect(result.stderr).not.toContain('Raw mode');
		expect(result.stdout).toBe('');
	}

	const usage = spawnSync(process.execPath, [cli, 'connect', '--port', 'http'], {input: '', encoding: 'utf8', timeout: 15_000});
	expect(usage.status).toBe(2);
	expect(usage.stderr).toContain('invalid port "http"');
});
