import {fileURLToPath} from 'node:url';
import {startServer, type NatterServer} from '../../../server/index.js';

export const usersFile = fileURLToPath(new URL('../../../users.txt', import.meta.url));

/** A real server on loopback with the bundled users; `data` (default `:memory:`) to restart one on the same file. */
export async function startTestServer(port = 0, data = ':memory:'): Promise<NatterServer> {
	return startServer({host: '127.0.0.1', port, usersFile, rate: 0, failureDelay: {baseMs: 1, capMs: 1}, data});
}
