import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import IRC, {type Client, type IrcErrorEvent, type MessageEvent, type UserlistEvent} from 'irc-framework';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {generateSelfSigned} from '../../../source/tls/selfsigned.js';
import {jsonCommand, loginJson, loginText} from '../../helpers/line-socket.js';
import {serverFixture} from '../../helpers/server-fixture.js';
import type {TestServer} from '../../helpers/test-server.js';

// irc-framework (the library behind Kiwi IRC) against a real natter server: a client nobody here wrote.

const fixture = serverFixture();
const clients: Client[] = [];
let server: TestServer;

beforeEach(async () => {
	server = await fixture.start({data: ':memory:', ircPort: 0});
});

afterEach(() => {
	for (const client of clients.splice(0)) {
		client.quit();
	}
});

type Options = {readonly sasl?: boolean; readonly port?: number; readonly tls?: boolean};

/** An irc-framework client; `messages` collects what it hears. */
function ircClient(nick: string, password: string, options: Options = {}): {client: Client; messages: MessageEvent[]; registered: Promise<void>; errors: IrcErrorEvent[]} {
	const client = new IRC.Client();
	clients.push(client);
	const messages: MessageEvent[] = [];
	const errors: IrcErrorEvent[] = [];
	client.on('message', event => messages.push(event));
	client.on('irc error', event => errors.push(event));
	const registered = new Promise<void>((resolve, reject) => {
		client.on('registered', () => {
			resolve();
		});
		client.on('close', () => {
			reject(new Error(`closed before registration: ${JSON.stringify(errors)}`));
		});
	});
	// Not every test awaits it (a refused client closes without registering).
	registered.catch(() => undefined);
	client.connect({
		host: '127.0.0.1',
		port: options.port ?? server.server.ircAddress!.port,
		nick,
		username: nick,
		gecos: `${nick} (irc-framework)`,
		...(options.sasl ? {account: {account: nick, password}} : {password}),
		auto_reconnect: false,
		...(options.tls ? {tls: true, rejectUnauthorized: false} : {}),
	});
	return {client, messages, registered, errors};
}

async function until<T>(check: () => T | undefined, what: string): Promise<T> {
	for (let waited = 0; waited < 5000; waited += 10) {
		const value = check();
		if (value !== undefined) {
			return value;
		}

		// eslint-disable-next-line no-await-in-loop
		await new Promise(resolve => {
			setTimeout(resolve, 10);
		});
	}

	throw new Error(`timed out waiting for ${what}`);
}

function nextUserlist(client: Client, channel: string): Promise<UserlistEvent> {
	return new Promise(resolve => {
		client.on('userlist', event => {
			if (event.channel === channel) {
				resolve(event);
			}
		});
	});
}

describe('irc-framework against natter', () => {
	it('registers (PASS and SASL), joins, and talks with a JSON-mode and a text-mode user in one order', async () => {
		const bob = ircClient('bob', 'builder');
		const dave = ircClient('dave', 'davespassword', {sasl: true});
		await Promise.all([bob.registered, dave.registered]);
		expect(bob.client.user.nick).toBe('bob');
		const names = nextUserlist(bob.client, '#lobby');
		bob.client.join('#lobby');
		expect((await names).users.map(user => user.nick)).toEqual(['bob']);
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		const carol = fixture.keep(await loginText(server.port, 'carol', 'christmas'));
		expect(await jsonCommand(alice, '/join_group lobby')).toMatchObject({type: 'ok'});
		carol.send('/join_group lobby');
		await carol.waitFor('ok: joined #lobby');
		const daveNames = nextUserlist(dave.client, '#lobby');
		dave.client.join('#lobby');
		expect((await daveNames).users.map(user => user.nick).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);

		bob.client.say('#lobby', 'one from bob');
		await alice.waitForEvent(event => event.type === 'group_msg' && event.text === 'one from bob');
		expect(await jsonCommand(alice, '/group_msg lobby two from alice')).toMatchObject({type: 'ok'});
		carol.send('/group_msg lobby three from carol');
		await carol.waitFor(line => line.startsWith('ok: sent to #lobby'));
		bob.client.say('#lobby', 'four from bob');

		const heard = (messages: MessageEvent[]) => messages.filter(message => message.target === '#lobby').map(message => `${message.nick}: ${message.message}`);
		const inOrder = ['bob: one from bob', 'alice: two from alice', 'carol: three from carol', 'bob: four from bob'];
		await until(() => (heard(dave.messages).length === 4 ? true : undefined), 'dave to hear four messages');
		expect(heard(dave.messages)).toEqual(inOrder);
		await until(() => (heard(bob.messages).length === 2 ? true : undefined), 'bob to hear the two others');
		expect(heard(bob.messages)).toEqual(['alice: two from alice', 'carol: three from carol']);
		await carol.waitFor(/\[#lobby\] bob: four from bob$/);
		// dave's library asked for server-time: each message carries the server's clock.
		expect(dave.messages[0]!.tags['time']).toMatch(/^\d{4}-\d\d-\d\dT/);
	});

	it('sends and receives DMs and actions, hears broadcasts as notices, and QUITs', async () => {
		const bob = ircClient('bob', 'builder');
		await bob.registered;
		const alice = fixture.keep(await loginJson(server.port, 'alice', 'wonderland'));
		bob.client.say('alice', 'hi alice, from irc');
		expect(await alice.waitForEvent(event => event.type === 'msg')).toMatchObject({from: 'bob', to: 'alice', text: 'hi alice, from irc'});
		await jsonCommand(alice, '/msg bob hi bob, from json');
		await jsonCommand(alice, '/me @bob waves');
		await jsonCommand(alice, '/broadcast to everyone');
		await until(() => (bob.messages.length === 3 ? true : undefined), 'three messages for bob');
		expect(bob.messages.map(message => [message.type, message.nick, message.target, message.message])).toEqual([
			['privmsg', 'alice', 'bob', 'hi bob, from json'],
			['action', 'alice', 'bob', 'waves'],
			['notice', 'alice', '$*', 'to everyone'],
		]);
		bob.client.action('alice', 'nods');
		expect(await alice.waitForEvent(event => event.type === 'msg' && event.text === 'nods')).toMatchObject({action: true});
		const closed = new Promise<void>(resolve => {
			bob.client.on('close', resolve);
		});
		bob.client.quit('done here');
		await closed;
		expect(await jsonCommand(alice, '/users')).toMatchObject({type: 'ok', users: [{name: 'alice', sessions: 1}]});
	});

	it('is refused with a wrong password (464), by PASS and by SASL (904)', async () => {
		const bob = ircClient('bob', 'not-builder');
		await expect(bob.registered).rejects.toThrow(/password_mismatch/);
		const raw: string[] = [];
		const dave = ircClient('dave', 'wrong', {sasl: true});
		dave.client.on('raw', event => {
			if (event.from_server) {
				raw.push(event.line);
			}
		});
		await expect(dave.registered).rejects.toThrow(/closed before registration/);
		// The library ends its capability negotiation after the 904; with no password left, natter says 464 and closes.
		expect(raw.filter(line => / (904|464|001) /.test(line)).map(line => line.split(' ')[1])).toEqual(['904', '464']);
	});
});

describe('irc-framework over TLS', () => {
	it('registers and talks on the IRC port when the server has a certificate', async () => {
		const pair = generateSelfSigned();
		const certFile = path.join(server.dir, 'cert.pem');
		const keyFile = path.join(server.dir, 'key.pem');
		await writeFile(certFile, pair.cert);
		await writeFile(keyFile, pair.key);
		const secure = await fixture.start({data: ':memory:', ircPort: 0, tls: {certFile, keyFile}});
		const port = secure.server.ircAddress!.port;
		const bob = ircClient('bob', 'builder', {tls: true, port});
		const dave = ircClient('dave', 'davespassword', {tls: true, port, sasl: true});
		await Promise.all([bob.registered, dave.registered]);
		bob.client.say('dave', 'over TLS');
		const heard = await until(() => dave.messages.find(message => message.message === 'over TLS'), 'the DM');
		expect(heard).toMatchObject({nick: 'bob', target: 'dave', type: 'privmsg'});
	});
});
