import type {ChatStore} from '../core/store.js';
import {MemoryStore} from './memory-store.js';
import {SqliteStore} from './sqlite-store.js';
import type {StoreStats} from './state.js';

export {DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX, type RetentionOptions, type StoreStats} from './state.js';
export {MemoryStore} from './memory-store.js';
export {SqliteStore, type SqliteStoreOptions} from './sqlite-store.js';

export type StoreOptions = {
	/** A SQLite file, or `:memory:` for a store that keeps nothing on disk. */
	readonly data: string;
	readonly historyDays?: number;
	readonly historyMax?: number;
};

/** The store `--data` names: `:memory:` gives a MemoryStore, anything else a SqliteStore on that file. */
export async function openStore(options: StoreOptions): Promise<ChatStore & {stats(): StoreStats}> {
	const retention = {
		...(options.historyDays === undefined ? {} : {historyDays: options.historyDays}),
		...(options.historyMax === undefined ? {} : {historyMax: options.historyMax}),
	};
	return options.data === ':memory:' ? new MemoryStore(retention) : SqliteStore.open({file: options.data, ...retention});
}
