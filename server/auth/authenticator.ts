import {randomInt} from 'node:crypto';
import {nameProblem, normalizeName} from '../../source/protocol/index.js';
import {BcryptPool} from './bcrypt-pool.js';
import {bcryptCost, loadUsers} from './users-file.js';

/** bcrypt only reads the first 72 bytes of a password; a longer one would match on its prefix. */
export const MAX_PASSWORD_BYTES = 72;

/** Longer input is refused before even measuring its bytes. */
const MAX_PASSWORD_CHARS = 1024;

/** Cost of the dummy hash when the file has no users to copy it from. */
const DEFAULT_COST = 12;

/** Why `password` cannot be stored, or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
	if (password.length === 0) {
		return 'the password is empty';
	}

	if (password.length > MAX_PASSWORD_CHARS || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
		return `the password is longer than ${MAX_PASSWORD_BYTES} bytes, which bcrypt would silently cut short`;
	}

	return undefined;
}

const bcryptAlphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
A well-formed hash that no password matches in practice. Verifying an unknown name against it
costs what verifying a real user costs, so response time does not reveal who is registered.
*/
function dummyHash(cost: number): string {
	let tail = '';
	for (let index = 0; index < 53; index++) {
		tail += bcryptAlphabet[randomInt(bcryptAlphabet.length)];
	}

	return `$2b$${String(cost).padStart(2, '0')}$${tail}`;
}

/** The cost most users have, so that the dummy compare takes as long as a typical real one. */
function commonCost(users: ReadonlyMap<string, string>): number {
	const counts = new Map<number, number>();
	for (const hash of users.values()) {
		const cost = bcryptCost(hash) ?? DEFAULT_COST;
		counts.set(cost, (counts.get(cost) ?? 0) + 1);
	}

	let best = DEFAULT_COST;
	let bestCount = 0;
	for (const [cost, count] of counts) {
		if (count > bestCount) {
			best = cost;
			bestCount = count;
		}
	}

	return best;
}

export type UsersReload = {
	/** Users in the file now. */
	readonly users: number;
	/** Names that were registered and are not any more. */
	readonly removed: readonly string[];
	/** Names whose password hash changed. */
	readonly changed: readonly string[];
};

/** Checks logins against users.txt; the bcrypt work runs in a worker pool, off the main thread. */
export class Authenticator {
	static async open(options: {usersFile: string; workers?: number}): Promise<Authenticator> {
		const users = await loadUsers(options.usersFile);
		return new Authenticator(options.usersFile, users, new BcryptPool({size: options.workers}));
	}

	readonly #usersFile: string;
	readonly #pool: BcryptPool;
	#users: ReadonlyMap<string, string> = new Map();
	#names: readonly string[] = [];
	#dummyHash = '';
	#reloads: Promise<unknown> = Promise.resolve();

	private constructor(usersFile: string, users: ReadonlyMap<string, string>, pool: BcryptPool) {
		this.#usersFile = usersFile;
		this.#pool = pool;
		this.#setUsers(users);
	}

	/** True when `name` is registered and `password` is theirs. Unknown names take as long as known ones. */
	async verify(name: string, password: string): Promise<boolean> {
		if (typeof name !== 'string' || typeof password !== 'string' || passwordProblem(password) !== undefined) {
			return false;
		}

		const hash = this.#lookUp(name);
		const matches = await this.#pool.compare(password, hash ?? this.#dummyHash);
		return hash !== undefined && matches;
	}

	/** Password checks waiting for a bcrypt worker. */
	get queued(): number {
		return this.#pool.queued;
	}

	has(name: string): boolean {
		return this.#lookUp(name) !== undefined;
	}

	/** Registered names, lower case, in file order. */
	names(): readonly string[] {
		return this.#names;
	}

	/**
	Re-reads the users file. On any problem it throws UsersFileError and keeps the users it had.
	Says who was removed and whose password (hash) changed, so their sessions can be ended.
	*/
	async reload(): Promise<UsersReload> {
		// Reloads run one after another, so the last one asked for is the one that sticks.
		const reloaded = this.#reloads.then(async () => {
			const users = await loadUsers(this.#usersFile);
			const before = this.#users;
			this.#setUsers(users);
			const removed: string[] = [];
			const changed: string[] = [];
			for (const [name, hash] of before) {
				const now = users.get(name);
				if (now === undefined) {
					removed.push(name);
				} else if (now !== hash) {
					changed.push(name);
				}
			}

			return {users: users.size, removed, changed};
		});
		this.#reloads = reloaded.catch(() => undefined);
		return reloaded;
	}

	async close(): Promise<void> {
		await this.#pool.close();
	}

	/** Only a valid name finds a user: lower-casing alone would let the Kelvin sign stand for 'k'. */
	#lookUp(name: string): string | undefined {
		// A key is a valid, normalized name: an exact hit needs neither check.
		const hit = this.#users.get(name);
		if (hit !== undefined) {
			return hit;
		}

		return nameProblem(name, 'user') === undefined ? this.#users.get(normalizeName(name)) : undefined;
	}

	#setUsers(users: ReadonlyMap<string, string>): void {
		this.#users = users;
		this.#names = Object.freeze([...users.keys()]);
		this.#dummyHash = dummyHash(commonCost(users));
	}
}
