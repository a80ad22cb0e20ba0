import {appendFile, mkdir, readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {formatFingerprint, normalizeFingerprint} from '../tls/fingerprint.js';

/** `$XDG_CONFIG_HOME/natter/known_servers`, else `~/.config/natter/known_servers`. */
export function knownServersPath(env: NodeJS.ProcessEnv): string {
	const config = env['XDG_CONFIG_HOME'];
	const base = config !== undefined && path.isAbsolute(config) ? config : path.join(env['HOME'] ?? os.homedir(), '.config');
	return path.join(base, 'natter', 'known_servers');
}

/** How a server is named in known_servers: `host:port`, an IPv6 address in brackets. */
export function serverKey(host: string, port: number): string {
	const lower = host.toLowerCase();
	return lower.includes(':') ? `[${lower}]:${port}` : `${lower}:${port}`;
}

/**
Certificates accepted on first contact, like ssh's known_hosts: one `host:port sha256:…` per line;
`#` comments and blank lines are kept as they are. Only ever appended to.
*/
export class KnownServers {
	/** Reads `file`; a missing file holds nothing. Malformed lines are ignored. */
	static async load(file: string): Promise<KnownServers> {
		let text = '';
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				throw error;
			}
		}

		const entries = new Map<string, string>();
		for (const line of text.split('\n')) {
			const [key, value] = line.trim().split(/\s+/);
			const fingerprint = value === undefined ? undefined : normalizeFingerprint(value);
			// The first line for a server wins, as in known_hosts.
			if (key && !key.startsWith('#') && fingerprint && !entries.has(key.toLowerCase())) {
				entries.set(key.toLowerCase(), fingerprint);
			}
		}

		return new KnownServers(file, entries);
	}

	private constructor(readonly file: string, readonly entries: ReadonlyMap<string, string>) {}

	/** The remembered fingerprint (64 hex digits) of `host:port`. */
	get(host: string, port: number): string | undefined {
		return this.entries.get(serverKey(host, port));
	}

	/** Appends `host:port sha256:…` (making the directory when needed). */
	async remember(host: string, port: number, fingerprint: string): Promise<void> {
		await mkdir(path.dirname(this.file), {recursive: true, mode: 0o700});
		// A file edited by hand may lack its last newline: the new line must not join that one.
		const before = await readFile(this.file, 'utf8').catch(() => '');
		const separator = before === '' || before.endsWith('\n') ? '' : '\n';
		await appendFile(this.file, `${separator}${serverKey(host, port)} ${formatFingerprint(fingerprint)}\n`, {mode: 0o600});
	}
}
