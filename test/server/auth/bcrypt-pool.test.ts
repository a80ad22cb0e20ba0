import {Worker} from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import {afterEach, describe, expect, test} from 'vitest';
import {BcryptPool, defaultPoolSize, startBcryptWorker} from '../../../server/auth/bcrypt-pool.js';

const pools: BcryptPool[] = [];
function createPool(options: ConstructorParameters<typeof BcryptPool>[0] = {}): BcryptPool {
	const pool = new BcryptPool(options);
	pools.push(pool);
	return pool;
}

afterEach(async () => {
	await Promise.all(pools.splice(0).map(async pool => pool.close()));
});

describe('bcrypt pool', () => {
	test('hashes and compares like bcryptjs does', async () => {
		const pool = createPool({size: 1});
		const hash = await pool.hash('correct horse', 4);
		expect(hash).toMatch(/^\$2b\$04\$.{53}$/);
		expect(bcrypt.compareSync('correct horse', hash)).toBe(true);
		expect(await pool.compare('correct horse', hash)).toBe(true);
		expect(await pool.compare('correct horsE', hash)).toBe(false);
		expect(await pool.compare('wonderland', bcrypt.hashSync('wonderland', 4))).toBe(true);
	});

	test('queues a burst bigger than the pool and answers each job correctly', async () => {
		const pool = createPool({size: 2});
		const hash = bcrypt.hashSync('pw', 4);
		const guesses = Array.from({length: 12}, (_, index) => (index % 3 === 0 ? 'pw' : `guess${index}`));
		const results = guesses.map(async guess => pool.compare(guess, hash));
		expect(pool.queued).toBe(10);
		expect(await Promise.all(results)).toEqual(guesses.map(guess => guess === 'pw'));
		expect(pool.queued).toBe(0);
	});

	test('a bcrypt error fails only its job', async () => {
		const pool = createPool({size: 1});
		const hash = bcrypt.hashSync('pw', 4);
		await expect(pool.compare('pw', `$2c$${hash.slice(4)}`)).rejects.toThrow('bcrypt failed: Invalid salt revision');
		expect(await pool.compare('pw', bcrypt.hashSync('pw', 4))).toBe(true);
	});

	test('refuses a cost bcryptjs would clamp', async () => {
		const pool = createPool({size: 1});
		await expect(pool.hash('pw', 3)).rejects.toThrow(RangeError);
		await expect(pool.hash('pw', 32)).rejects.toThrow('bcrypt cost must be an integer from 4 to 31, got 32');
	});

	test('a cost-12 compare does not block the event loop', async () => {
		const pool = createPool({size: 1});
		const hash = await pool.hash('slow', 12);
		let ticks = 0;
		const timer = setInterval(() => {
			ticks++;
		}, 1);
		const matches = await pool.compare('slow', hash);
		clearInterval(timer);
		expect(matches).toBe(true);
		// Run on the main thread, the compare would let at most one tick through.
		expect(ticks).toBeGreaterThanOrEqual(20);
	});

	test('a worker that dies mid-job fails that job and is replaced', async () => {
		const workers: Worker[] = [];
		const pool = createPool({
			size: 1, startWorker() {
				const worker = startBcryptWorker();
				workers.push(worker);
				return worker;
			},
		});
		const slowHash = bcrypt.hashSync('slow', 10);
		const killed = expect(pool.compare('slow', slowHash)).rejects.toThrow(/^bcrypt worker stopped during the job \(exit code \d+\)$/);
		const queued = pool.compare('pw', bcrypt.hashSync('pw', 4));
		expect(workers).toHaveLength(1);
		await workers[0]!.terminate();
		await killed;
		expect(await queued).toBe(true);
		expect(workers).toHaveLength(2);
	});

	test('a worker that cannot start fails the job with its error instead of hanging', async () => {
		const pool = createPool({size: 1, startWorker: () => new Worker('throw new Error("worker boom")', {eval: true})});
		await expect(pool.compare('pw', 'x')).rejects.toThrow('worker boom');
		await expect(pool.compare('pw', 'x')).rejects.toThrow('worker boom');
	});

	test('close fails queued and running jobs, and later jobs', async () => {
		const pool = createPool({size: 1});
		const slowHash = bcrypt.hashSync('slow', 10);
		const running = expect(pool.compare('slow', slowHash)).rejects.toThrow('bcrypt pool is closed');
		const waiting = expect(pool.compare('slow', slowHash)).rejects.toThrow('bcrypt pool is closed');
		await pool.close();
		await running;
		await waiting;
		await expect(pool.compare('slow', slowHash)).rejects.toThrow('bcrypt pool is closed');
	});

	test('defaults to one worker per core but one, at least one', () => {
		expect(defaultPoolSize()).toBeGreaterThanOrEqual(1);
		expect(createPool().size).toBe(defaultPoolSize());
		expect(() => new BcryptPool({size: 0})).toThrow(RangeError);
	});
});
