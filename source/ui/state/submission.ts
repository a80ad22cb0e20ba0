import {formatCommand, nameProblem, normalizeName, parseCommand, type Command} from '../../protocol/index.js';
import {dmKey, plainTextLine} from './conversations.js';
import type {Conversation, ConversationKey} from './types.js';

export type Submission =
	| {readonly kind: 'nothing'}
	| {readonly kind: 'error'; readonly message: string}
	| {readonly kind: 'exit'}
	/** `/query <user>`: open (or make) the direct conversation with them. */
	| {readonly kind: 'open'; readonly key: ConversationKey}
	/** `/close`: take the open conversation out of the list. */
	| {readonly kind: 'close'; readonly key: ConversationKey}
	| {readonly kind: 'send'; readonly line: string; readonly command: Command};

/** The TUI's own commands, on top of the server's (shown by /help after the server's list). */
export const tuiCommandHelp: readonly string[] = [
	'TUI commands:',
	'  /me <text>          an action in the open conversation, shown as "* you <text>"',
	'  /query <user>       open the direct conversation with <user>',
	'  /close              close the open conversation (a group stays joined; new messages bring it back)',
	'  /part               leave the open group (in a direct conversation: close it); /join <group> joins or creates one',
	'  /quit               leave, like /exit',
];

/** How the open conversation is spelled in a command (`/me`). */
function spelled(conversation: Conversation): string {
	return conversation.kind === 'all' ? '*' : conversation.key;
}

function tuiCommand(value: string, conversation: Conversation): Submission | string | undefined {
	const [word = '', ...rest] = value.slice(1).split(' ');
	const argument = rest.join(' ').trim();
	switch (word.toLowerCase()) {
		case 'quit': {
			return {kind: 'exit'};
		}

		case 'me': {
			return argument === '' ? {kind: 'error', message: 'usage: /me <text> (an action in the open conversation)'} : `/me ${spelled(conversation)} ${value.slice(value.indexOf(' ') + 1)}`;
		}

		case 'query': {
			const name = argument.replace(/^@/, '');
			const problem = name === '' || name.includes(' ') ? 'usage: /query <user>' : nameProblem(name, 'user');
			return problem ? {kind: 'error', message: problem} : {kind: 'open', key: dmKey(normalizeName(name))};
		}

		case 'close': {
			return conversation.kind === 'all' ? {kind: 'error', message: 'All (the broadcasts) is always there: nothing to close'} : {kind: 'close', key: conversation.key};
		}

		case 'part': {
			if (argument === '' && conversation.kind === 'group') {
				return `/part ${conversation.name}`;
			}

			// irssi's habit: /part in a query closes it.
			if (argument === '' && conversation.kind === 'dm') {
				return {kind: 'close', key: conversation.key};
			}

			return undefined;
		}

		default: {
			return undefined;
		}
	}
}

/**
What Enter does with the input line: a slash-command anywhere, plain text to the open
conversation (All → /broadcast, group → /group_msg, direct → /msg). `//text` sends `/text`;
a pasted line (`literal`) is always text.
*/
export function planSubmission(value: string, conversation: Conversation, literal = false): Submission {
	if (value.trim() === '') {
		return {kind: 'nothing'};
	}

	const isCommand = !literal && value.startsWith('/') && !value.startsWith('//');
	let line = isCommand ? value : plainTextLine(conversation, !literal && value.startsWith('//') ? value.slice(1) : value);
	if (isCommand) {
		const own = tuiCommand(value, conversation);
		if (typeof own === 'string') {
			line = own;
		} else if (own !== undefined) {
			return own;
		}
	}

	const parsed = parseCommand(line);
	if (!parsed.ok) {
		return {kind: 'error', message: parsed.error.message};
	}

	if (parsed.command.type === 'exit') {
		return {kind: 'exit'};
	}

	return {kind: 'send', line: formatCommand(parsed.command), command: parsed.command};
}
