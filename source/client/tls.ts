import net from 'node:net';
import tls from 'node:tls';
import {formatFingerprint, normalizeFingerprint} from '../tls/fingerprint.js';
import {ConnectError} from './connect-error.js';

/** How a client checks the server's certificate. An empty object: the system's CAs and the host name. */
export type ClientTls = {
	/** PEM of the CA certificates to trust instead of the system's (`--ca FILE`). */
	readonly ca?: string;
	/** The server's certificate must have this SHA-256 fingerprint (64 hex digits); CAs and names are then not checked. */
	readonly fingerprint?: string;
	/** Where the pin comes from, for the refusal message: the flag, or a known_servers file. */
	readonly pinnedBy?: {readonly kind: 'flag'} | {readonly kind: 'known_servers'; readonly file: string};
};

/** The server's certificate is not trusted: not signed by a trusted CA, or not for this host name. */
export class TlsUntrustedError extends ConnectError {
	constructor(message: string, readonly fingerprint: string, readonly reason: string) {
		super(message, 'tls_untrusted');
		this.name = 'TlsUntrustedError';
	}
}

/** The server's certificate is not the pinned one. */
export class TlsFingerprintMismatchError extends ConnectError {
	constructor(message: string, readonly expected: string, readonly actual: string) {
		super(message, 'tls_fingerprint_mismatch');
		this.name = 'TlsFingerprintMismatchError';
	}
}

export type Handshake = {
	readonly socket: tls.TLSSocket;
	/** Normalized (64 hex digits). */
	readonly fingerprint: string;
	/** Signed by a trusted CA (the system's, or `ca`) and issued for `host`. */
	readonly authorized: boolean;
	/** Why not, as OpenSSL says it (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID…). */
	readonly reason: string | undefined;
};

/**
Connect and finish a TLS (≥ 1.2) handshake without trusting anything yet: the caller decides from
the result, before a single byte of its own is written. Rejects with a ConnectError when the TCP
connection or the handshake fails.
*/
export async function tlsHandshake(host: string, port: number, options: {readonly ca?: string; readonly timeoutMs: number}): Promise<Handshake> {
	return new Promise<Handshake>((resolve, reject) => {
		const socket = tls.connect({
			host,
			port,
			// SNI carries names only; a literal address is checked against the certificate's IP entries.
			...(net.isIP(host) === 0 ? {servername: host} : {}),
			...(options.ca === undefined ? {} : {ca: options.ca}),
			minVersion: 'TLSv1.2',
			// Checked below, so that an untrusted certificate can still be shown (and pinned).
			rejectUnauthorized: false,
		});
		const timer = setTimeout(() => {
			fail(new ConnectError(`no TLS handshake with ${host}:${port} within ${options.timeoutMs} ms`, 'timeout'));
		}, options.timeoutMs);
		const fail = (error: ConnectError) => {
			clearTimeout(timer);
			socket.destroy();
			reject(error);
		};

		socket.once('error', (error: NodeJS.ErrnoException) => {
			const hint = error.code === 'ECONNRESET' || (error.code ?? '').startsWith('ERR_SSL') ? ' (does the server speak TLS? without --tls-cert it does not)' : '';
			fail(new ConnectError(`cannot connect to ${host}:${port} over TLS: ${error.message}${hint}`, error.code ?? 'closed'));
		});
		socket.once('secureConnect', () => {
			clearTimeout(timer);
			socket.removeAllListeners('error');
			const peer = socket.getPeerCertificate();
			if (!peer.raw) {
				fail(new ConnectError(`${host}:${port} sent no certificate`, 'tls_untrusted'));
				return;
			}

			const reason = socket.authorizationError;
			resolve({
				socket,
				fingerprint: normalizeFingerprint(peer.fingerprint256)!,
				authorized: socket.authorized,
				reason: reason === null || reason === undefined ? undefined : (reason instanceof Error ? reason.message : String(reason)),
			});
		});
	});
}

/** Applies `trust` to a finished handshake: the socket when it passes, else the refusal (the socket is then destroyed). */
export function checkHandshake(handshake: Handshake, trust: ClientTls, host: string, port: number): TlsUntrustedError | TlsFingerprintMismatchError | undefined {
	const {fingerprint, authorized, reason} = handshake;
	const where = `${host}:${port}`;
	if (trust.fingerprint !== undefined && trust.fingerprint !== fingerprint) {
		const expected = formatFingerprint(trust.fingerprint);
		const actual = formatFingerprint(fingerprint);
		const message = trust.pinnedBy?.kind === 'known_servers'
			? `WARNING: THE CERTIFICATE OF ${where} HAS CHANGED. Refusing to connect. It was ${expected}, it is now ${actual}. `
				+ 'Someone may be intercepting the connection, or the server was given a new certificate. '
				+ `Ask its operator for the new fingerprint; if it matches, remove the line for ${where} from ${trust.pinnedBy.file} and connect again.`
			: `the certificate of ${where} does not match --tls-fingerprint: expected ${expected}, the server presented ${actual}. Refusing to connect.`;
		return new TlsFingerprintMismatchError(message, expected, actual);
	}

	// A pin alone is the whole check; with --ca as well, the CA must vouch for it too.
	if (!authorized && (trust.fingerprint === undefined || trust.ca !== undefined)) {
		const shown = formatFingerprint(fingerprint);
		const why = reason ?? 'not trusted';
		const hint = trust.ca === undefined
			? ` Its fingerprint is ${shown}: check it with the server's operator, then pin it with --tls-fingerprint ${shown}, give --ca FILE, or accept it once in natter connect --tls.`
			: ` (its fingerprint is ${shown})`;
		return new TlsUntrustedError(`the certificate of ${where} is not trusted: ${why}.${hint}`, shown, why);
	}

	return undefined;
}

/** A TLS socket to the server that passed `trust`, or a rejection with a ConnectError saying why not. */
export async function connectTls(host: string, port: number, trust: ClientTls, timeoutMs: number): Promise<tls.TLSSocket> {
	const handshake = await tlsHandshake(host, port, {...(trust.ca === undefined ? {} : {ca: trust.ca}), timeoutMs});
	const refusal = checkHandshake(handshake, trust, host, port);
	if (refusal) {
		handshake.socket.destroy();
		throw refusal;
	}

	return handshake.socket;
}

export {certificateFingerprint, formatFingerprint, normalizeFingerprint} from '../tls/fingerprint.js';
