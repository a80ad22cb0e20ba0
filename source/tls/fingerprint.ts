import {X509Certificate} from 'node:crypto';

/**
The 64 lower-case hex digits of a SHA-256 fingerprint, from `sha256:AB:CD:…`, `sha256:abcd…`,
`AB:CD:…` (Node's `fingerprint256`, openssl's `-fingerprint -sha256`) or bare hex; undefined when
it is none of those.
*/
export function normalizeFingerprint(text: string): string | undefined {
	const hex = text.trim().replace(/^sha-?256[:=]/i, '').replaceAll(':', '').toLowerCase();
	return /^[\da-f]{64}$/.test(hex) ? hex : undefined;
}

/** `sha256:AB:CD:…`, how natter shows a fingerprint (and writes it to known_servers). */
export function formatFingerprint(hex: string): string {
	return `sha256:${hex.toUpperCase().match(/../g)!.join(':')}`;
}

/** The normalized SHA-256 fingerprint of the first certificate in a PEM (throws when there is none). */
export function certificateFingerprint(pem: string | Buffer): string {
	return normalizeFingerprint(new X509Certificate(pem).fingerprint256)!;
}
