import {commandSpecs, type ArgumentKind} from '../../protocol/index.js';

export type CompletionSources = {
	readonly users: readonly string[];
	readonly groups: readonly string[];
};

/** The word under completion (always the last word of the line) and what it may become. */
export type Completion = {
	/** The line up to the word being completed. */
	readonly head: string;
	/** Full replacements for the word, each with its trailing space. */
	readonly candidates: readonly string[];
};

/** The TUI's own commands and how they differ from the server's (`/me` takes only text here: the open conversation is filled in). */
const tuiSpecs: ReadonlyArray<{readonly name: string; readonly args: readonly ArgumentKind[]}> = [
	{name: 'me', args: ['text']},
	{name: 'query', args: ['user']},
	{name: 'close', args: []},
	{name: 'quit', args: []},
];

const commandNames = [...new Set([...commandSpecs.map(spec => spec.name), ...tuiSpecs.map(spec => spec.name)])].sort();

function kindAt(line: string, wordIndex: number): ArgumentKind | undefined {
	const name = line.slice(1).split(' ', 1)[0]!.toLowerCase();
	const spec = tuiSpecs.find(candidate => candidate.name === name) ?? commandSpecs.find(candidate => candidate.name === name);
	if (!spec) {
		return undefined;
	}

	const argument = wordIndex - 1;
	if (argument < spec.args.length) {
		return spec.args[argument];
	}

	// Past the last argument of a command that ends in text: still text.
	return spec.args.at(-1) === 'text' ? 'text' : undefined;
}

function matching(prefix: string, words: readonly string[], decorate: (word: string) => string): string[] {
	const lower = prefix.toLowerCase();
	return words.filter(word => word.startsWith(lower)).map(word => `${decorate(word)} `);
}

/**
What the last word of `line` could complete to: a command name at the start of a slash line,
then user or group names where the command's arguments want them, and user names inside text
(an optional `@` is kept). Undefined when there is nothing to complete.
*/
export function complete(line: string, sources: CompletionSources): Completion | undefined {
	const start = line.lastIndexOf(' ') + 1;
	const head = line.slice(0, start);
	const word = line.slice(start);
	const words = head.split(' ').filter(Boolean).length;
	let candidates: string[];
	if (line.startsWith('/') && start === 0) {
		candidates = matching(word.slice(1), commandNames, name => `/${name}`);
	} else {
		const kind = line.startsWith('/') ? kindAt(line, words) : 'text';
		switch (kind) {
			case 'user': {
				candidates = matching(word, sources.users, name => name);
				break;
			}

			case 'group': {
				candidates = matching(word, sources.groups, name => name);
				break;
			}

			case 'conversation': {
				const conversations = ['*', ...sources.groups.map(group => `#${group}`), ...sources.users.map(user => `@${user}`)];
				candidates = matching(word, conversations, name => name);
				break;
			}

			case 'paging': {
				candidates = matching(word, ['before', 'after'], name => name);
				break;
			}

			case 'seq': {
				return undefined;
			}

			case 'command': {
				candidates = matching(word.replace(/^\//, ''), commandSpecs.map(spec => spec.name), name => name);
				break;
			}

			case 'text': {
				if (word === '' || word === '@') {
					return undefined;
				}

				const at = word.startsWith('@') ? '@' : '';
				candidates = matching(word.slice(at.length), sources.users, name => `${at}${name}`);
				break;
			}

			case undefined: {
				return undefined;
			}
		}
	}

	return candidates.length === 0 ? undefined : {head, candidates};
}
