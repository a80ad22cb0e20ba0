import {X509Certificate} from 'node:crypto';
import {lookup} from 'node:dns/promises';
import {readFile} from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import {certificateFingerprint, formatFingerprint} from '../../source/tls/fingerprint.js';
import {BurstLog} from './burst-log.js';
import type {Logger} from '../log.js';

/** The certificate (a PEM, chain allowed: leaf first) and private key files a TLS server reads, at start and on reload. */
export type TlsFiles = {readonly certFile: string; readonly keyFile: string};

/** A certificate and key that were read and found to belong together. */
export type TlsPair = {
	readonly cert: Buffer;
	readonly key: Buffer;
	/** `sha256:AB:CD:…`, what clients pin. */
	readonly fingerprint: string;
	readonly notAfter: string;
};

/** The certificate or key cannot be read, or they do not make a pair. */
export class TlsConfigError extends Error {
	override name = 'TlsConfigError';
}

/** A non-loopback address without TLS and without `allowPlaintext`. */
export class PlaintextRefusedError extends Error {
	override name = 'PlaintextRefusedError';
	constructor(readonly host: string) {
		super(`refusing to listen on ${host} without TLS: passwords and messages would cross the network in clear. `
			+ 'Give --tls-cert FILE --tls-key FILE (natter tls selfsigned --out DIR makes a pair to try), '
			+ 'or --allow-plaintext (NATTER_ALLOW_PLAINTEXT=1) if this network is private, or listen on 127.0.0.1');
	}
}

export const tlsMinVersion = 'TLSv1.2';

/** Reads both files and checks that they make a usable pair (the key is the certificate's). */
export async function loadTlsPair(files: TlsFiles): Promise<TlsPair> {
	let cert: Buffer;
	let key: Buffer;
	try {
		cert = await readFile(files.certFile);
	} catch (error) {
		throw new TlsConfigError(`cannot read the TLS certificate ${files.certFile}: ${(error as Error).message}`);
	}

	try {
		key = await readFile(files.keyFile);
	} catch (error) {
		throw new TlsConfigError(`cannot read the TLS key ${files.keyFile}: ${(error as Error).message}`);
	}

	let x509: X509Certificate;
	try {
		x509 = new X509Certificate(cert);
	} catch (error) {
		throw new TlsConfigError(`${files.certFile} holds no PEM certificate: ${(error as Error).message}`);
	}

	try {
		// Throws when the key is not a key, or not the certificate's.
		tls.createSecureContext({cert, key, minVersion: tlsMinVersion});
	} catch (error) {
		throw new TlsConfigError(`the TLS key ${files.keyFile} does not fit the certificate ${files.certFile}: ${(error as Error).message}`);
	}

	return {cert, key, fingerprint: formatFingerprint(certificateFingerprint(cert)), notAfter: new Date(x509.validTo).toISOString()};
}

function isLoopbackAddress(address: string): boolean {
	if (net.isIPv4(address)) {
		return address.startsWith('127.');
	}

	const lower = address.toLowerCase();
	return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || (lower.startsWith('::ffff:') && isLoopbackAddress(lower.slice(7)));
}

/**
Whether `host` means loopback only: 127.0.0.0/8, ::1 (also IPv4-mapped), or a name all of whose
addresses are. A name that does not resolve counts as loopback here: listening on it fails anyway,
with its own message. The wildcards (0.0.0.0, ::) are not loopback.
*/
export async function isLoopbackHost(host: string): Promise<boolean> {
	const bare = host.replace(/^\[(.*)]$/, '$1');
	if (net.isIP(bare) !== 0) {
		return isLoopbackAddress(bare);
	}

	if (bare.toLowerCase() === 'localhost') {
		return true;
	}

	try {
		const addresses = await lookup(bare, {all: true});
		return addresses.every(entry => isLoopbackAddress(entry.address));
	} catch {
		return true;
	}
}

/** Throws a PlaintextRefusedError when plaintext on `host` would reach other machines and nobody allowed it. */
export async function checkPlaintextAllowed(host: string, options: {readonly tls: boolean; readonly allowPlaintext: boolean}): Promise<void> {
	if (!options.tls && !options.allowPlaintext && !await isLoopbackHost(host)) {
		throw new PlaintextRefusedError(host);
	}
}

export type Listener = {
	readonly server: net.Server;
	/** Present with TLS: the pair in use. */
	readonly pair: TlsPair | undefined;
	/** Re-reads the files; on success new handshakes use the new pair (open connections keep theirs), else throws and keeps the old. */
	reloadTls(): Promise<TlsPair | undefined>;
	/** Destroys the sockets still in their TLS handshake (at shutdown: they belong to nobody yet, and would hold the close). */
	dropHandshakes(): void;
};

export type ListenerOptions = {
	readonly tls?: {readonly files: TlsFiles; readonly pair: TlsPair};
	/** A TLS client must finish its handshake within this. */
	readonly handshakeTimeoutMs: number;
	readonly logger: Logger;
	/**
	With TLS, asked for each raw connection before its handshake: a lease to hand on to `onSocket`,
	or undefined to close it at once (so a flood of handshakes from one address is refused
	before it costs any). Released by the listener if the handshake never finishes.
	*/
	readonly admit?: (raw: net.Socket) => Lease | undefined;
};

/** What `admit` gives: released when the connection closes. */
export type Lease = {release(): void};

/**
The accepting socket: plain TCP, or (with a certificate) TLS ≥ 1.2 on the same port for every
mode: `onSocket` gets each client once its handshake is done, a plain `net.Socket` or a
`tls.TLSSocket`, both duplex streams the connection code treats alike.
*/
export function createListener(options: ListenerOptions, onSocket: (socket: net.Socket, lease?: Lease) => void): Listener {
	const {logger} = options;
	// allowHalfOpen: a client that sends its commands and then shuts its side still gets every reply.
	if (!options.tls) {
		return {
			server: net.createServer({allowHalfOpen: true}, onSocket),
			pair: undefined,
			async reloadTls() {
				return undefined;
			},
			dropHandshakes() {},
		};
	}

	const {files} = options.tls;
	let {pair} = options.tls;
	/** Raw sockets whose handshake is not done, by `address|port` (what the TLS socket reports too). */
	const handshaking = new Map<string, net.Socket>();
	/** Leases of raw sockets still in their handshake. */
	const leases = new WeakMap<net.Socket, Lease>();
	const handedOn = new WeakSet<net.Socket>();
	const keyOf = (socket: net.Socket) => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
	const server = tls.createServer({
		// Not half-open during the handshake: a peer that hangs up mid-handshake is closed at once
		// (Node then reports it as a tlsClientError), not held until the handshake timeout.
		allowHalfOpen: false,
		cert: pair.cert,
		key: pair.key,
		minVersion: tlsMinVersion,
		handshakeTimeout: options.handshakeTimeoutMs,
	}, (socket: tls.TLSSocket) => {
		const key = keyOf(socket);
		const raw = handshaking.get(key);
		handshaking.delete(key);
		// From here on half-open like plain TCP: a client that sends its commands and then shuts its side still gets every reply.
		socket.allowHalfOpen = true;
		const lease = raw ? leases.get(raw) : undefined;
		if (raw) {
			handedOn.add(raw);
		}

		onSocket(socket, lease);
	});
	server.on('connection', (raw: net.Socket) => {
		if (options.admit) {
			const lease = options.admit(raw);
			if (!lease) {
				raw.destroy();
				return;
			}

			leases.set(raw, lease);
		}

		const key = keyOf(raw);
		handshaking.set(key, raw);
		raw.once('close', () => {
			if (handshaking.get(key) === raw) {
				handshaking.delete(key);
			}

			// A handshake that never finished gives its place back; a finished one is the connection's to release.
			if (!handedOn.has(raw)) {
				leases.get(raw)?.release();
			}
		});
	});
	// A plaintext client on the TLS port, a client that distrusts the certificate, a scanner, a
	// handshake timeout, a refused connection: logged once per burst, with a count, not once each.
	const failures = new BurstLog(logger, 'warn', 'tls_failed');
	server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
		failures.note({addr: socket.remoteAddress ?? 'unknown', message: error.code ?? error.message});
		// Node reports a handshake timeout but leaves the socket open: closed here, or a client that
		// never finishes its handshake would hold a descriptor and its address's place for good.
		socket.destroy();
	});
	return {
		server,
		get pair() {
			return pair;
		},
		async reloadTls() {
			const next = await loadTlsPair(files);
			server.setSecureContext({cert: next.cert, key: next.key, minVersion: tlsMinVersion});
			pair = next;
			return next;
		},
		dropHandshakes() {
			for (const raw of handshaking.values()) {
				raw.destroy();
			}

			handshaking.clear();
		},
	};
}
