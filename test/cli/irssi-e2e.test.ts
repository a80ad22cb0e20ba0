import {spawnSync} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {jsonCommand, loginJson, loginText, type LineSocket} from '../helpers/line-socket.js';
import {killServes, spawnServe, type ServeProcess} from '../helpers/serve-process.js';
import {tmuxAvailable, tmuxDriver} from '../helpers/tmux.js';

// The real irssi (the Debian package) in a real terminal (tmux), on `natter serve --irc-port`,
// beside a JSON-mode client (as the TUI speaks) and a text-mode one (as nc speaks).

const usersFile = fileURLToPath(new URL('../../users.txt', import.meta.url));
const hasTools = tmuxAvailable && spawnSync('irssi', ['--version']).status === 0;
const socket = `natter-irssi-${process.pid}`;
const serves: ServeProcess[] = [];
const sockets: LineSocket[] = [];
let home = '';

const {tmux, waitFor} = tmuxDriver(socket);

/** The window's lines, scrollback included (irssi prints a window's lines out of screen order at times). */
const pane = () => tmux('capture-pane', '-p', '-t', 'irssi', '-S', '-200');

async function waitForPane(predicate: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string> {
	return waitFor(pane, predicate, what, timeoutMs);
}

function typeLine(text: string): void {
	tmux('send-keys', '-t', 'irssi', '-l', text);
	tmux('send-keys', '-t', 'irssi', 'Enter');
}

beforeAll(async () => {
	if (hasTools) {
		home = await mkdtemp(path.join(tmpdir(), 'natter-irssi-'));
	}
});

afterAll(async () => {
	if (hasTools) {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
		await rm(home, {recursive: true, force: true, maxRetries: 5});
	}

	for (const client of sockets) {
		client.destroy();
	}

	await killServes(serves);
});

test.skipIf(!hasTools)('irssi: /connect with a password, /join #lobby, talk with a JSON-mode and an nc-style user in one order, /msg, /quit', async () => {
	const serve = spawnServe(['--port', '0', '--irc-port', '0', '--users', usersFile, '--data', ':memory:', '--rate', '0']);
	serves.push(serve);
	const {port} = await serve.listening;
	const ircPort = Number(/^natter irc listening on .+:(\d+)$/m.exec(serve.stdout())![1]);

	tmux(
		'new-session', '-d', '-s', 'irssi', '-x', '120', '-y', '40',
		`irssi --home=${JSON.stringify(home)} -n bob -c 127.0.0.1 -p ${ircPort} -w builder; echo "irssi exited with $?"; sleep 600`,
	);
	await waitForPane(screen => screen.includes('Welcome to the natter IRC network, bob'), 'the welcome');
	expect(pane()).not.toContain('builder');

	typeLine('/join #lobby');
	await waitForPane(screen => screen.includes('bob [bob@irc.natter] has joined #lobby'), 'the join');
	const alice = await loginJson(port, 'alice', 'wonderland');
	const carol = await loginText(port, 'carol', 'singer');
	sockets.push(alice, carol);
	expect(await jsonCommand(alice, '/join_group lobby')).toMatchObject({type: 'ok'});
	carol.send('/join_group lobby');
	await carol.waitFor('ok: joined #lobby');
	await waitForPane(screen => screen.includes('carol [carol@irc.natter] has joined #lobby'), 'carol joining');

	typeLine('hello from irssi');
	expect(await alice.waitForEvent(event => event.type === 'group_msg')).toMatchObject({from: 'bob', group: 'lobby', text: 'hello from irssi'});
	await carol.waitFor(/\[#lobby\] bob: hello from irssi$/);

	expect(await jsonCommand(alice, '/group_msg lobby hi from the TUI side')).toMatchObject({type: 'ok'});
	await carol.waitFor(/\[#lobby\] alice: hi from the TUI side$/);
	carol.send('/group_msg lobby hi from nc');
	await carol.waitFor(line => line.startsWith('ok: sent to #lobby'));
	const screen = await waitForPane(text => text.includes('< carol> hi from nc'), 'carol\'s message');
	expect(screen.indexOf('< alice> hi from the TUI side')).toBeGreaterThan(-1);
	expect(screen.indexOf('< alice> hi from the TUI side')).toBeLessThan(screen.indexOf('< carol> hi from nc'));

	typeLine('/msg alice hi, a DM from irssi');
	expect(await alice.waitForEvent(event => event.type === 'msg')).toMatchObject({from: 'bob', to: 'alice', text: 'hi, a DM from irssi'});
	await jsonCommand(alice, '/msg bob and back to irssi');
	// /msg opened a query window for alice (irssi's autocreate_own_query): the answer shows there.
	typeLine('/window goto alice');
	await waitForPane(text => text.includes('<alice> and back to irssi'), 'alice\'s DM');

	typeLine('/quit see you');
	await waitForPane(text => text.includes('irssi exited with 0'), 'irssi to exit');
	await carol.waitFor('* bob went offline');
	expect(await jsonCommand(alice, '/users')).toMatchObject({type: 'ok', users: [{name: 'alice'}, {name: 'carol'}]});
});
