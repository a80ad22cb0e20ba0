import {Buffer} from 'node:buffer';

/**
The benchmark's 64-byte message text. Its first 32 bytes are a fixed-width token the load
generator finds in the raw socket bytes with `Buffer.indexOf`, without splitting lines or
decoding strings:

	~nb SSSSSS QQQQQQQQQQ TTTTTTTTTTTTT  (no spaces) + filler to 64 bytes
	    sender sequence   send time, µs since the load generator started
*/
export const magic = Buffer.from('~nb', 'latin1');
export const messageBytes = 64;
const senderDigits = 6;
const sequenceDigits = 10;
const timeDigits = 13;
export const tokenBytes = magic.length + senderDigits + sequenceDigits + timeDigits;
const filler = '.natter-bench-payload-filler-abcdefghijklmnopqrstuvwxyz'.slice(0, messageBytes - tokenBytes);

export type Token = {sender: number; sequence: number; sentMicros: number};

/** The message text: plain ASCII, so the server's sanitizer leaves it alone and JSON needs no escapes. */
export function encodeToken(sender: number, sequence: number, sentMicros: number): string {
	return `~nb${String(sender).padStart(senderDigits, '0')}${String(sequence).padStart(sequenceDigits, '0')}${String(Math.max(0, Math.round(sentMicros))).padStart(timeDigits, '0')}${filler}`;
}

function readDigits(bytes: Uint8Array, start: number, count: number): number {
	let value = 0;
	for (let index = start; index < start + count; index++) {
		value = (value * 10) + (bytes[index]! - 48);
	}

	return value;
}

/** Fields of the token at `offset` (where `magic` starts); the caller checks that `tokenBytes` bytes are there. */
export function readSender(bytes: Uint8Array, offset: number): number {
	return readDigits(bytes, offset + magic.length, senderDigits);
}

export function readSequence(bytes: Uint8Array, offset: number): number {
	return readDigits(bytes, offset + magic.length + senderDigits, sequenceDigits);
}

export function readSentMicros(bytes: Uint8Array, offset: number): number {
	return readDigits(bytes, offset + magic.length + senderDigits + sequenceDigits, timeDigits);
}

export function decodeToken(bytes: Uint8Array, offset: number): Token {
	return {sender: readSender(bytes, offset), sequence: readSequence(bytes, offset), sentMicros: readSentMicros(bytes, offset)};
}
