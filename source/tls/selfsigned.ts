import {Buffer} from 'node:buffer';
import {generateKeyPairSync, randomBytes, X509Certificate} from 'node:crypto';
import net from 'node:net';
import forge from 'node-forge';
import {formatFingerprint, normalizeFingerprint} from './fingerprint.js';

export type SelfSignedOptions = {
	/** Names and addresses the certificate is for (subjectAltName); the first is its common name. Default: localhost, 127.0.0.1, ::1. */
	readonly hosts?: readonly string[];
	/** Days it stays valid. Default 365. */
	readonly days?: number;
	/** Now (tests). */
	readonly now?: Date;
};

export type SelfSigned = {
	/** PEM of the certificate. */
	readonly cert: string;
	/** PEM (PKCS #8) of the private key. Keep it secret. */
	readonly key: string;
	/** `sha256:AB:CD:…`, what clients pin. */
	readonly fingerprint: string;
	readonly hosts: readonly string[];
	readonly notAfter: Date;
};

export const loopbackHosts = ['localhost', '127.0.0.1', '::1'] as const;

/**
A certificate serial number from random bytes, as hex: positive and minimally encoded, as DER
wants. With a zero byte in front, random bytes that began with another zero made a padded
INTEGER, which OpenSSL refuses ("illegal padding"): one certificate in ~256.
*/
export function serialNumberHex(random: Buffer): string {
	const bytes = Buffer.from(random);
	bytes[0] = (bytes[0]! & 0x7F) || 1;
	return bytes.toString('hex');
}

/**
A fresh RSA-2048 key (made by Node's own crypto) and a self-signed X.509 certificate for it,
SHA-256 signed, for a TLS server (serverAuth), valid for `hosts`. node-forge writes the
certificate: Node can read X.509 but not write it.
*/
export function generateSelfSigned(options: SelfSignedOptions = {}): SelfSigned {
	const hosts = [...new Set([...(options.hosts ?? []), ...loopbackHosts])];
	const days = options.days ?? 365;
	const now = options.now ?? new Date();
	const {publicKey, privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
	const publicPem = publicKey.export({type: 'spki', format: 'pem'}).toString();
	const privatePem = privateKey.export({type: 'pkcs8', format: 'pem'}).toString();

	const certificate = forge.pki.createCertificate();
	certificate.publicKey = forge.pki.publicKeyFromPem(publicPem);
	certificate.serialNumber = serialNumberHex(randomBytes(16));
	// A minute back, so a peer whose clock is a little behind does not see it as not yet valid.
	certificate.validity.notBefore = new Date(now.getTime() - 60_000);
	certificate.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
	const subject = [
		{name: 'commonName', value: hosts[0]!},
		{name: 'organizationName', value: 'natter (self-signed)'},
	];
	certificate.setSubject(subject);
	certificate.setIssuer(subject);
	certificate.setExtensions([
		{name: 'basicConstraints', cA: false},
		{name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true},
		{name: 'extKeyUsage', serverAuth: true},
		{name: 'subjectAltName', altNames: hosts.map(host => net.isIP(host) === 0 ? {type: 2, value: host} : {type: 7, ip: host})},
		{name: 'subjectKeyIdentifier'},
	]);
	certificate.sign(forge.pki.privateKeyFromPem(privatePem), forge.md.sha256.create());
	const cert = forge.pki.certificateToPem(certificate);
	return {
		cert,
		key: privatePem,
		fingerprint: formatFingerprint(normalizeFingerprint(new X509Certificate(cert).fingerprint256)!),
		hosts,
		notAfter: certificate.validity.notAfter,
	};
}
