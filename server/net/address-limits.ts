import {BlockList, isIPv4, isIPv6} from 'node:net';
import {performance} from 'node:perf_hooks';
import {TokenBucket} from './token-bucket.js';

/** Addresses no per-address limit applies to, unless told otherwise: this machine itself. */
export const defaultExemptAddresses: readonly string[] = ['127.0.0.0/8', '::1'];

export type AddressLimitOptions = {
	/** Connections open at once from one address; 0: no limit. */
	readonly maxConnections: number;
	/** New connections one address may open per window (a token bucket refilled over the window); 0: no limit. */
	readonly newConnections: number;
	readonly windowMs: number;
	/** Lines per second one address may send, over all its connections, after `burst`; 0: no limit. */
	readonly rate: number;
	readonly burst: number;
	/** Login checks one address may have waiting or running at once; 0: no limit. */
	readonly maxPendingLogins: number;
	/** Addresses and CIDR ranges (`10.0.0.0/8`, `::1`) that none of these limits apply to. */
	readonly exempt: readonly string[];
	/** Addresses remembered at most (the least recently seen idle ones are forgotten first). */
	readonly maxAddresses?: number;
	readonly now?: () => number;
};

export const defaultAddressLimits = {
	maxConnections: 16,
	newConnections: 32,
	windowMs: 10 * 60 * 1000,
	maxPendingLogins: 4,
} as const;

/** Why `text` (a comma-separated list of addresses and CIDR ranges, or `none`) is not one, or undefined when it is. */
export function exemptListProblem(text: string): string | undefined {
	try {
		buildBlockList(parseExemptList(text));
		return undefined;
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
}

/** `127.0.0.0/8, ::1` → its entries; `none` or an empty string → none. */
export function parseExemptList(text: string): string[] {
	const trimmed = text.trim();
	return trimmed === '' || trimmed.toLowerCase() === 'none' ? [] : trimmed.split(',').map(entry => entry.trim()).filter(entry => entry !== '');
}

function buildBlockList(entries: readonly string[]): BlockList {
	const list = new BlockList();
	for (const entry of entries) {
		const [address = '', prefixText] = entry.split('/');
		const family = isIPv4(address) ? 'ipv4' : (isIPv6(address) ? 'ipv6' : undefined);
		if (family === undefined) {
			throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range`);
		}

		if (prefixText === undefined) {
			list.addAddress(address, family);
			continue;
		}

		const prefix = Number(prefixText);
		if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 'ipv4' ? 32 : 128)) {
			throw new Error(`${JSON.stringify(entry)} has a bad prefix length`);
		}

		list.addSubnet(address, prefix, family);
	}

	return list;
}

/** `::ffff:1.2.3.4` is 1.2.3.4. */
function unmapped(address: string): string {
	const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	return match ? match[1]! : address;
}

/** The key one client is counted under: an IPv4 address, or the /64 an IPv6 address is in (one host usually holds a whole /64). */
export function addressKey(remote: string): string {
	const address = unmapped(remote);
	if (!isIPv6(address)) {
		return address;
	}

	const [head = '', tail = ''] = address.split('::');
	const headGroups = head === '' ? [] : head.split(':');
	const tailGroups = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
	const groups = address.includes('::')
		? [...headGroups, ...Array.from({length: 8 - headGroups.length - tailGroups.length}, () => '0'), ...tailGroups]
		: headGroups;
	return `${groups.slice(0, 4).map(group => group.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

type Entry = {
	connections: number;
	pendingLogins: number;
	readonly arrivals: TokenBucket | undefined;
	readonly flood: TokenBucket | undefined;
	last: number;
};

export type Admission =
	| {readonly ok: true; readonly lease: AddressLease}
	| {readonly ok: false; readonly reason: 'concurrent' | 'rate'; readonly message: string};

/** One connection's hold on its address's counters; released when the connection closes. */
export type AddressLease = {
	/** The counted address (`1.2.3.4`, or an IPv6 /64). */
	readonly key: string;
	readonly exempt: boolean;
	/** The bucket every connection of this address draws from (undefined: no per-address flood limit). */
	readonly flood: TokenBucket | undefined;
	/** Takes one of the address's login-check places; false when it has none left. */
	beginLogin(): boolean;
	endLogin(): void;
	release(): void;
};

const always = (): boolean => true;
const nothing = (): void => {};
/** The last exempt lease made: it holds nothing of its own, so connections from the same exempt address (loopback, in-process) share it. */
let lastExempt: AddressLease | undefined;

/** A lease that counts nothing (an exempt address, or a stream served in-process). */
export const exemptLease = (key: string): AddressLease => {
	if (lastExempt?.key !== key) {
		lastExempt = Object.freeze({key, exempt: true, flood: undefined, beginLogin: always, endLogin: nothing, release: nothing});
	}

	return lastExempt;
};

/**
Per-address limits (ngIRCd `MaxConnectionsIP`, ergo `ip-limits`): connections open at once, new
connections per window, a flood bucket shared by all of an address's connections, and login
checks waiting at once. Exempt addresses (loopback by default) are not counted at all.
*/
export class AddressLimits {
	readonly #options: AddressLimitOptions;
	readonly #exempt: BlockList;
	readonly #now: () => number;
	readonly #maxAddresses: number;
	/** Insertion order is recency order: an entry is re-inserted whenever it is used. */
	readonly #entries = new Map<string, Entry>();

	constructor(options: AddressLimitOptions) {
		this.#options = options;
		this.#exempt = buildBlockList(options.exempt);
		this.#now = options.now ?? (() => performance.now());
		this.#maxAddresses = options.maxAddresses ?? 100_000;
	}

	isExempt(remote: string): boolean {
		const address = unmapped(remote);
		if (isIPv4(address)) {
			return this.#exempt.check(address, 'ipv4');
		}

		// Not an IP address at all: a stream handed to `server.handle()` in-process.
		return isIPv6(address) ? this.#exempt.check(address, 'ipv6') : true;
	}

	/** Addresses currently remembered. */
	get size(): number {
		return this.#entries.size;
	}

	/** A new connection from `remote`: counted, or refused with the reason. */
	admit(remote: string): Admission {
		const key = addressKey(remote);
		if (this.isExempt(remote)) {
			return {ok: true, lease: exemptLease(key)};
		}

		const {maxConnections, newConnections, windowMs} = this.#options;
		const entry = this.#entry(key);
		if (maxConnections > 0 && entry.connections >= maxConnections) {
			return {ok: false, reason: 'concurrent', message: `too many connections from your address (at most ${maxConnections} at once); close one and try again`};
		}

		if (entry.arrivals && !entry.arrivals.take()) {
			const minutes = Math.round(windowMs / 60_000);
			return {ok: false, reason: 'rate', message: `too many new connections from your address (at most ${newConnections} per ${minutes > 0 ? `${minutes} min` : `${Math.round(windowMs / 1000)} s`}); try again later`};
		}

		entry.connections++;
		let released = false;
		let logins = 0;
		return {ok: true, lease: {
			key,
			exempt: false,
			flood: entry.flood,
			beginLogin: () => {
				const {maxPendingLogins} = this.#options;
				if (maxPendingLogins > 0 && entry.pendingLogins >= maxPendingLogins) {
					return false;
				}

				entry.pendingLogins++;
				logins++;
				return true;
			},
			endLogin() {
				if (logins > 0) {
					logins--;
					entry.pendingLogins--;
				}
			},
			release: () => {
				if (released) {
					return;
				}

				released = true;
				entry.pendingLogins -= logins;
				logins = 0;
				entry.connections--;
				entry.last = this.#now();
			},
		}};
	}

	#entry(key: string): Entry {
		const now = this.#now();
		let entry = this.#entries.get(key);
		if (entry) {
			this.#entries.delete(key);
		} else {
			this.#forgetIdle(now);
			const {newConnections, windowMs, rate, burst} = this.#options;
			entry = {
				connections: 0,
				pendingLogins: 0,
				arrivals: newConnections > 0 ? new TokenBucket(newConnections / (windowMs / 1000), newConnections, this.#now) : undefined,
				flood: rate > 0 ? new TokenBucket(rate, burst, this.#now) : undefined,
				last: now,
			};
		}

		entry.last = now;
		this.#entries.set(key, entry);
		return entry;
	}

	/** Forgets addresses with no connection whose window has passed (nothing left to remember), oldest first. */
	#forgetIdle(now: number): void {
		for (const [key, entry] of this.#entries) {
			const idle = entry.connections === 0 && entry.pendingLogins === 0;
			if (!idle || (now - entry.last < this.#options.windowMs && this.#entries.size < this.#maxAddresses)) {
				if (this.#entries.size < this.#maxAddresses) {
					break;
				}

				continue;
			}

			this.#entries.delete(key);
		}
	}
}
