import {formatCommand, parseCommand, type Command} from '../../protocol/index.js';
import {plainTextLine} from './conversations.js';
import type {Conversation} from './types.js';

export type Submission =
	| {readonly kind: 'nothing'}
	| {readonly kind: 'error'; readonly message: string}
	| {readonly kind: 'exit'}
	| {readonly kind: 'send'; readonly line: string; readonly command: Command};

/**
What Enter does with the input line: a slash-command anywhere, plain text to the open
conversation (All → /broadcast, group → /group_msg, direct → /msg). `//text` sends `/text`.
*/
export function planSubmission(value: string, conversation: Conversation): Submission {
	if (value.trim() === '') {
		return {kind: 'nothing'};
	}

	const isCommand = value.startsWith('/') && !value.startsWith('//');
	const line = isCommand ? value : plainTextLine(conversation, value.startsWith('//') ? value.slice(1) : value);
	const parsed = parseCommand(line);
	if (!parsed.ok) {
		return {kind: 'error', message: parsed.error.message};
	}

	if (parsed.command.type === 'exit') {
		return {kind: 'exit'};
	}

	return {kind: 'send', line: formatCommand(parsed.command), command: parsed.command};
}
