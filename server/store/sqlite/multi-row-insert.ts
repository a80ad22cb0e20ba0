import type Database from 'better-sqlite3';

/** Rows per statement: one statement per 64 rows binds ~2× faster than one per row. */
const rowsPerStatement = 64;

/**
One INSERT of many rows at a time (`INSERT … VALUES (?, ?), (?, ?), …`), its statements prepared
once per row count. Values come flat: `columns` of them per row, in column order.
*/
export class MultiRowInsert {
	readonly #db: Database.Database;
	readonly #head: string;
	readonly #columns: number;
	readonly #row: string;
	readonly #statements = new Map<number, Database.Statement<unknown[]>>();

	/** `head` is the statement up to VALUES, e.g. `INSERT INTO t(a, b)`. */
	constructor(db: Database.Database, head: string, columns: number) {
		this.#db = db;
		this.#head = head;
		this.#columns = columns;
		this.#row = `(${Array.from({length: columns}, () => '?').join(', ')})`;
	}

	/** Inserts every row in `values`; returns how many rows that was. */
	run(values: readonly unknown[]): number {
		const chunk = rowsPerStatement * this.#columns;
		let start = 0;
		for (; start + chunk <= values.length; start += chunk) {
			this.#statement(rowsPerStatement).run(values.slice(start, start + chunk));
		}

		if (start < values.length) {
			this.#statement((values.length - start) / this.#columns).run(start === 0 ? [...values] : values.slice(start));
		}

		return values.length / this.#columns;
	}

	#statement(rows: number): Database.Statement<unknown[]> {
		let statement = this.#statements.get(rows);
		if (statement === undefined) {
			statement = this.#db.prepare(`${this.#head} VALUES ${Array.from({length: rows}, () => this.#row).join(', ')}`);
			this.#statements.set(rows, statement);
		}

		return statement;
	}
}
