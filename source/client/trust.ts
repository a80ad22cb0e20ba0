import {readFile} from 'node:fs/promises';
import {KnownServers, knownServersPath} from './known-servers.js';
import {checkHandshake, normalizeFingerprint, tlsHandshake, TlsFingerprintMismatchError, type ClientTls} from './tls.js';
import {ConnectError} from './connect-error.js';

/** The TLS flags `natter connect` and `natter pipe` share. */
export type TlsFlags = {readonly tls?: boolean; readonly ca?: string; readonly tlsFingerprint?: string};

/** What the flags asked for: TLS, and how the certificate is to be checked. */
export type TlsSetup = {
	/** PEM read from `--ca FILE`. */
	readonly ca?: string;
	/** `--tls-fingerprint`, normalized (64 hex digits). */
	readonly fingerprint?: string;
	/** Where certificates accepted on first contact are remembered. */
	readonly knownServersFile: string;
};

/**
The TLS setup from the flags: undefined without `--tls` (`--ca` and `--tls-fingerprint` imply it),
a string for a usage error (an unreadable CA file, a malformed fingerprint).
*/
export async function resolveTlsSetup(flags: TlsFlags, env: NodeJS.ProcessEnv): Promise<TlsSetup | undefined | string> {
	if (!flags.tls && flags.ca === undefined && flags.tlsFingerprint === undefined) {
		return undefined;
	}

	let ca: string | undefined;
	if (flags.ca !== undefined) {
		try {
			ca = await readFile(flags.ca, 'utf8');
		} catch (error) {
			return `cannot read the CA file: ${(error as Error).message}`;
		}

		if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
			return `${flags.ca} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
		}
	}

	let fingerprint: string | undefined;
	if (flags.tlsFingerprint !== undefined) {
		fingerprint = normalizeFingerprint(flags.tlsFingerprint);
		if (fingerprint === undefined) {
			return `invalid --tls-fingerprint ${JSON.stringify(flags.tlsFingerprint)}: give sha256: and 64 hex digits (colons optional), as natter tls selfsigned and the server's "tls" log line print it`;
		}
	}

	return {
		...(ca === undefined ? {} : {ca}),
		...(fingerprint === undefined ? {} : {fingerprint}),
		knownServersFile: knownServersPath(env),
	};
}

/** The check given on the command line; undefined when the flags leave it to known_servers (or the system's CAs). */
function explicitTrust(setup: TlsSetup): ClientTls | undefined {
	if (setup.ca === undefined && setup.fingerprint === undefined) {
		return undefined;
	}

	return {
		...(setup.ca === undefined ? {} : {ca: setup.ca}),
		...(setup.fingerprint === undefined ? {} : {fingerprint: setup.fingerprint, pinnedBy: {kind: 'flag'} as const}),
	};
}

/**
For a client that never asks (natter pipe): `--ca`/`--tls-fingerprint` if given, else the
known_servers entry, else the system's CAs (a self-signed server is then refused, and the
refusal says how to pin it).
*/
export async function trustWithoutAsking(setup: TlsSetup, host: string, port: number): Promise<ClientTls> {
	const explicit = explicitTrust(setup);
	if (explicit) {
		return explicit;
	}

	const known = (await KnownServers.load(setup.knownServersFile)).get(host, port);
	return known === undefined ? {} : {fingerprint: known, pinnedBy: {kind: 'known_servers', file: setup.knownServersFile}};
}

/** What the TUI learns on first contact, before anyone types a password. */
export type FirstContact =
	| {readonly kind: 'trusted'; readonly tls: ClientTls}
	/** Not vouched for by a CA and not in known_servers: ask. */
	| {readonly kind: 'unknown'; readonly fingerprint: string; readonly reason: string; readonly known: KnownServers}
	/** In known_servers with another fingerprint: refuse, loudly. */
	| {readonly kind: 'changed'; readonly error: TlsFingerprintMismatchError}
	| {readonly kind: 'failed'; readonly error: ConnectError};

/**
With `--ca`/`--tls-fingerprint` the check is theirs (a refusal comes at login). Otherwise one
handshake (nothing is sent) tells whether the server is remembered, changed, vouched for by the
system's CAs, or unknown.
*/
export async function firstContact(setup: TlsSetup, host: string, port: number, timeoutMs = 15_000): Promise<FirstContact> {
	const explicit = explicitTrust(setup);
	if (explicit) {
		return {kind: 'trusted', tls: explicit};
	}

	let known: KnownServers;
	try {
		known = await KnownServers.load(setup.knownServersFile);
	} catch (error) {
		return {kind: 'failed', error: new ConnectError(`cannot read ${setup.knownServersFile}: ${(error as Error).message}`, 'known_servers')};
	}

	let handshake;
	try {
		handshake = await tlsHandshake(host, port, {timeoutMs});
	} catch (error) {
		return {kind: 'failed', error: error instanceof ConnectError ? error : new ConnectError(String(error), 'closed')};
	}

	handshake.socket.destroy();
	const remembered = known.get(host, port);
	if (remembered !== undefined) {
		const tls: ClientTls = {fingerprint: remembered, pinnedBy: {kind: 'known_servers', file: known.file}};
		const refusal = checkHandshake(handshake, tls, host, port);
		return refusal instanceof TlsFingerprintMismatchError ? {kind: 'changed', error: refusal} : {kind: 'trusted', tls};
	}

	if (handshake.authorized) {
		return {kind: 'trusted', tls: {}};
	}

	return {kind: 'unknown', fingerprint: handshake.fingerprint, reason: handshake.reason ?? 'not trusted', known};
}
