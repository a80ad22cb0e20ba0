import type {LogFields, Logger, LogLevel} from '../../server/log.js';

export type LogEntry = {readonly level: LogLevel; readonly event: string; readonly fields: LogFields};

/** A logger that keeps its entries, so tests can check what the server logged (and what it never logs). */
export class RecordingLogger implements Logger {
	readonly entries: LogEntry[] = [];
	#waiters = new Set<() => void>();

	log(level: LogLevel, event: string, fields: LogFields = {}): void {
		this.entries.push({level, event, fields});
		for (const waiter of this.#waiters) {
			waiter();
		}
	}

	/** Resolves with the first entry (logged before or after the call) that matches. */
	async waitFor(predicate: (entry: LogEntry) => boolean, timeoutMs = 5000): Promise<LogEntry> {
		const found = this.entries.find(predicate);
		if (found) {
			return found;
		}

		return new Promise((resolve, reject) => {
			const waiter = () => {
				const entry = this.entries.find(predicate);
				if (entry) {
					clearTimeout(timer);
					this.#waiters.delete(waiter);
					resolve(entry);
				}
			};

			const timer = setTimeout(() => {
				this.#waiters.delete(waiter);
				reject(new Error(`no matching log entry within ${timeoutMs} ms; got ${this.entries.map(entry => entry.event).join(', ')}`));
			}, timeoutMs);
			this.#waiters.add(waiter);
		});
	}

	/** Every entry as one string, to search for things that must never be logged. */
	dump(): string {
		return this.entries.map(entry => JSON.stringify(entry)).join('\n');
	}
}
