import {Buffer} from 'node:buffer';
import type {ServerEvent} from '../../source/protocol/index.js';
import {renderTextLine} from './render-text.js';

/**
One event on its way to many sessions. Each wire form is serialized at most once, on first
use, and every recipient in that mode gets the very same bytes: fan-out costs one write per
recipient and nothing else.
*/
export class OutboundEvent {
	readonly event: ServerEvent;
	#json: Buffer | undefined;
	#text: Buffer | undefined;

	constructor(event: ServerEvent) {
		this.event = event;
	}

	/** The JSON-mode line, newline included. */
	get json(): Buffer {
		this.#json ??= Buffer.from(`${JSON.stringify(this.event)}\n`);
		return this.#json;
	}

	/** The text-mode line, newline included. */
	get text(): Buffer {
		this.#text ??= Buffer.from(`${renderTextLine(this.event)}\n`);
		return this.#text;
	}
}
