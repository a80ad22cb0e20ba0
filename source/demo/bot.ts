import {ChatConnection} from '../client/connection.js';
import type {ServerEvent} from '../protocol/index.js';
import {botReply} from './replies.js';

export const botUser = 'natterbot';
export const botPassword = 'beepboop';
export const demoGroup = 'lobby';

export type DemoBot = {
	/** Say hello to `user` in the group, in a direct message and to everyone, so every panel has something in it. */
	greet(user: string): Promise<void>;
	close(): Promise<void>;
};

/**
The demo peer: logs in as natterbot, makes the `lobby` group and answers every direct message
and every group message from someone else.
*/
export async function startDemoBot(options: {host: string; port: number; now?: () => Date}): Promise<DemoBot> {
	const connection = await ChatConnection.open({host: options.host, port: options.port, user: botUser, password: botPassword, client: 'natter-demo-bot'});
	const now = options.now ?? (() => new Date());
	const created = await connection.request(`/create_group ${demoGroup}`);
	if (created.type === 'error' && created.code !== 'group_exists') {
		throw new Error(`natterbot could not create #${demoGroup}: ${created.message}`);
	}

	const send = (line: string) => {
		if (!connection.closed) {
			// A reply the server refuses (the user just left) is nothing to act on.
			connection.request(line).catch(() => undefined);
		}
	};

	connection.on('event', (event: ServerEvent) => {
		if ((event.type === 'msg' || event.type === 'group_msg') && event.action && event.from !== botUser) {
			// `/me waves` gets an action back, in the same conversation.
			send(`/me ${event.type === 'msg' ? `@${event.from}` : `#${event.group}`} nods at ${event.from}`);
		} else if (event.type === 'msg' && event.from !== botUser) {
			send(`/msg ${event.from} ${botReply(event.text, event.from, now())}`);
		} else if (event.type === 'group_msg' && event.from !== botUser) {
			send(`/group_msg ${event.group} ${botReply(event.text, event.from, now())}`);
		}
	});

	return {
		async greet(user) {
			await connection.request(`/group_msg ${demoGroup} Welcome to #${demoGroup}, ${user}! Say something here and I will answer.`);
			await connection.request(`/broadcast natterbot is online: this is All, where broadcasts land.`);
			await connection.request(`/msg ${user} Hi ${user}! I am natterbot, the demo peer. Type "help" here for what I understand.`);
		},
		async close() {
			await connection.close();
		},
	};
}
