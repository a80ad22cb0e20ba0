import {Buffer} from 'node:buffer';
import {encodeEvent, type ResumePoints} from './events.js';
import {MAX_LINE_BYTES, MAX_RESUME_CONVERSATIONS} from './limits.js';

/**
Resume points named over several `hello` lines add up (a conversation named twice keeps the higher
seq), up to MAX_RESUME_CONVERSATIONS in all: a string says why the sum is refused.
*/
export function addResumePoints(held: ResumePoints | undefined, more: ResumePoints): ResumePoints | string {
	if (held === undefined) {
		return more;
	}

	const sum: Record<string, number> = {...held};
	for (const [conversation, seq] of Object.entries(more)) {
		sum[conversation] = Math.max(sum[conversation] ?? 0, seq);
	}

	if (Object.keys(sum).length > MAX_RESUME_CONVERSATIONS) {
		return `"resume" may name at most ${MAX_RESUME_CONVERSATIONS} conversations, counting every hello`;
	}

	return sum;
}

/**
The `hello` lines (each with a newline) that carry `resume` within the line limit: one when it
fits, else as many as needed, each repeating `fields` (protocol, client, presence) so that none
undoes another; the server adds their points up.
*/
export function helloLines(fields: {readonly protocol: number; readonly client: string; readonly presence: boolean}, resume: ResumePoints | undefined): string[] {
	const entries = Object.entries(resume ?? {});
	const whole = encodeEvent({type: 'hello', ...fields, ...(entries.length > 0 ? {resume: resume!} : {})});
	if (Buffer.byteLength(whole) <= MAX_LINE_BYTES) {
		return [whole];
	}

	const budget = MAX_LINE_BYTES - Buffer.byteLength(encodeEvent({type: 'hello', ...fields, resume: {}})) - 1;
	const lines: string[] = [];
	let part: Record<string, number> = {};
	let bytes = 0;
	for (const [conversation, seq] of entries) {
		const entryBytes = Buffer.byteLength(JSON.stringify(conversation)) + 1 + String(seq).length + 1;
		if (bytes + entryBytes > budget && bytes > 0) {
			lines.push(encodeEvent({type: 'hello', ...fields, resume: part}));
			part = {};
			bytes = 0;
		}

		part[conversation] = seq;
		bytes += entryBytes;
	}

	lines.push(encodeEvent({type: 'hello', ...fields, resume: part}));
	return lines;
}
