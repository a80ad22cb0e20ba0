import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {afterAll, describe, expect, test} from 'vitest';
import {loadConfig} from '../../source/client/config.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const directory = mkdtempSync(path.join(tmpdir(), 'natter-config-'));
afterAll(() => {
	rmSync(directory, {recursive: true, force: true});
});

function configFile(name: string, text: string): string {
	const file = path.join(directory, name);
	writeFileSync(file, text);
	return file;
}

describe('config.json', () => {
	test('holds host, port, user, bell, notify, title and colors', () => {
		const file = configFile('good.json', JSON.stringify({host: 'chat.example.org', port: 6000, user: 'alice', bell: false, notify: 'osc9', title: false, colors: false}));
		expect(loadConfig({NATTER_CONFIG: file})).toEqual({host: 'chat.example.org', port: 6000, user: 'alice', bell: false, notify: 'osc9', title: false, colors: false});
	});

	test('"colors" may choose the colour of each element by name, hex or ansi256, and nicks by a list', () => {
		const colors = {ownNick: 'green', nicks: ['cyan', '#f80', 'ansi256(201)'], mention: '#FF8800', status: 'whiteBright', border: 'gray', timestamp: 'grey', action: 'magenta', input: 'blue', notice: 'yellow', error: 'redBright'};
		const file = configFile('colors.json', JSON.stringify({colors}));
		expect(loadConfig({NATTER_CONFIG: file})).toEqual({colors});
	});

	test('the default file may be missing; NATTER_CONFIG naming a missing file is an error', () => {
		expect(loadConfig({XDG_CONFIG_HOME: path.join(directory, 'nowhere')})).toEqual({});
		expect(loadConfig({NATTER_CONFIG: path.join(directory, 'missing.json')})).toMatch(/^cannot read the config .*missing\.json/);
	});

	test.each([
		['{"user": "alice", "password": "wonderland"}', /"password": natter never reads a password from its config file/],
		['{"bel": false}', /unknown setting "bel" \(known: host, port, user, bell, notify, title, colors\)/],
		['{"port": "12345"}', /"port" must be a number from 1 to 65535/],
		['{"notify": "yes"}', /"notify" must be "off", "osc777" or "osc9"/],
		['[1]', /the config is a JSON object/],
		['{"colors": "red"}', /"colors" must be true, false or an object such as/],
		['{"colors": {"ownNick": "blurple"}}', /"colors.ownNick": "blurple" is not a colour; use a colour name \(red, greenBright, gray…\), "#rrggbb", "#rgb" or "ansi256\(0-255\)"$/],
		['{"colors": {"mention": "#ff880"}}', /"colors.mention": "#ff880" is not a colour/],
		['{"colors": {"border": "ansi256(256)"}}', /"colors.border": "ansi256\(256\)" is not a colour/],
		['{"colors": {"nicks": ["cyan", 7]}}', /"colors.nicks": 7 is not a colour; .*, or a list of them$/],
		['{"colors": {"nicks": []}}', /"colors.nicks" must list at least one colour/],
		['{"colors": {"nick": "red"}}', /unknown colour "colors.nick" \(known: border, input, status, ownNick, nicks, mention, timestamp, action, notice, error\)/],
		['{"host": ', /is not valid JSON/],
	])('refuses %s', (text, message) => {
		expect(loadConfig({NATTER_CONFIG: configFile('bad.json', text)})).toMatch(message);
	});

	test('natter connect refuses a config with a password (exit 2) before anything else, and documents --no-bell and the file', () => {
		const file = configFile('password.json', '{"password": "x"}');
		const result = spawnSync(process.execPath, [cli, 'connect'], {input: '', encoding: 'utf8', env: {...process.env, NATTER_CONFIG: file}, timeout: 15_000});
		expect(result.status).toBe(2);
		expect(result.stderr).toContain('natter never reads a password from its config file');
		const help = spawnSync(process.execPath, [cli, 'connect', '--help'], {encoding: 'utf8', timeout: 15_000});
		expect(help.stdout).toContain('--no-bell');
		expect(help.stdout).toContain('~/.config/natter/config.json');
	});

	test('natter connect stops on a bad colour with exit 2, naming the key', () => {
		const file = configFile('bad-colour.json', '{"colors": {"timestamp": "purple"}}');
		const result = spawnSync(process.execPath, [cli, 'connect'], {input: '', encoding: 'utf8', env: {...process.env, NATTER_CONFIG: file}, timeout: 15_000});
		expect(result.status).toBe(2);
		expect(result.stderr).toContain('"colors.timestamp": "purple" is not a colour');
	});

	test('the --port flag wins over the config file (and NATTER_PORT over it too)', () => {
		const file = configFile('port.json', '{"host": "127.0.0.1", "port": 9}');
		const flag = spawnSync(process.execPath, [cli, 'connect', '--port', 'http'], {input: '', encoding: 'utf8', env: {...process.env, NATTER_CONFIG: file}, timeout: 15_000});
		expect(flag.status).toBe(2);
		expect(flag.stderr).toContain('invalid port "http"');
		const variable = spawnSync(process.execPath, [cli, 'connect'], {input: '', encoding: 'utf8', env: {...process.env, NATTER_CONFIG: file, NATTER_PORT: 'x'}, timeout: 15_000});
		expect(variable.stderr).toContain('invalid port "x"');
	});
});
