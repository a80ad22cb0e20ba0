import {Buffer} from 'node:buffer';

/** `text` and a newline as UTF-8, written straight into one Buffer (no `${text}\n` string copy per event). */
export function lineBytes(text: string): Buffer {
	const length = Buffer.byteLength(text);
	const bytes = Buffer.allocUnsafe(length + 1);
	bytes.write(text, 0, length);
	bytes[length] = 0x0A;
	return bytes;
}
