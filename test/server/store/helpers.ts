import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach} from 'vitest';
import type {MessageDraft} from '../../../server/core/store.js';

let counter = 0;
const ts = '2026-11-27T12:00:00.000Z';

function msgid(): string {
	counter++;
	return `01JDTEST${String(counter).padStart(18, '0')}`;
}

export function dm(from: string, to: string, text = `hi ${to}`): MessageDraft {
	return {type: 'msg', msgid: msgid(), ts, from, to, text};
}

export function groupMsg(group: string, from: string, text = `hello #${group}`): MessageDraft {
	return {type: 'group_msg', msgid: msgid(), ts, from, group, text};
}

export function broadcastMsg(from: string, text = 'to everyone'): MessageDraft {
	return {type: 'broadcast', msgid: msgid(), ts, from, text};
}

/** A fresh temporary directory per test, removed after it. */
export function tempDirs(): () => string {
	const made: string[] = [];
	afterEach(() => {
		for (const directory of made.splice(0)) {
			rmSync(directory, {recursive: true, force: true});
		}
	});
	return () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'natter-store-'));
		made.push(directory);
		return directory;
	};
}
