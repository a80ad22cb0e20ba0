import type {ChatConnection} from '../../source/client/connection.js';
import type {ServerEvent} from '../../source/protocol/index.js';

/** The next event on `connection` that matches `predicate`. */
export async function nextEvent(connection: ChatConnection, predicate: (event: ServerEvent) => boolean): Promise<ServerEvent> {
	return new Promise(resolve => {
		const listener = (event: ServerEvent) => {
			if (predicate(event)) {
				connection.off('event', listener);
				resolve(event);
			}
		};

		connection.on('event', listener);
	});
}
