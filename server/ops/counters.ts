/** Why a connection was dropped or a line refused, as the metrics count it. */
export type DropReason = 'slow_reader' | 'flood' | 'line_overflow';

/**
What the server counts as it runs, in plain numbers: the hot paths add to a field and nothing
else; the metrics endpoint reads them when it is scraped.
*/
export class ServerCounters {
	loginsOk = 0;
	loginsFailed = 0;
	/** Events written to sessions by fan-out (not replies). */
	deliveries = 0;
	bytesOut = 0;
	readonly commands = new Map<string, number>();
	readonly drops: Record<DropReason, number> = {slow_reader: 0, flood: 0, line_overflow: 0};
	/** Seconds from a login's arrival to its password check's answer, for the histogram. */
	readonly loginCheckSeconds: number[] = [];

	command(type: string): void {
		this.commands.set(type, (this.commands.get(type) ?? 0) + 1);
	}

	loginChecked(seconds: number): void {
		// Bounded: the scrape drains it; without a scraper only the last 10 000 are kept.
		if (this.loginCheckSeconds.length >= 10_000) {
			this.loginCheckSeconds.shift();
		}

		this.loginCheckSeconds.push(seconds);
	}
}
