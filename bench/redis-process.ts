import type {ChildProcess} from 'node:child_process';
import net from 'node:net';

/** A TCP port free on loopback right now (for a child process told to listen on it). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => {
				resolve(port);
			});
		});
	});
}

/** Resolves once a spawned `redis-server` (stdout piped) says it accepts connections; rejects when it fails to start, exits or takes over 10 s. */
export async function redisReady(child: ChildProcess, port: number): Promise<void> {
	let output = '';
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			reject(new Error(`redis-server on port ${port} did not start: ${output}`));
		}, 10_000);
		child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
			output += chunk;
			if (output.includes('Ready to accept connections')) {
				clearTimeout(timer);
				resolve();
			}
		});
		child.once('error', error => {
			clearTimeout(timer);
			reject(new Error(`cannot run redis-server (is it on PATH?): ${error.message}`));
		});
		child.once('exit', code => {
			clearTimeout(timer);
			reject(new Error(`redis-server on port ${port} exited (${code}): ${output}`));
		});
	});
}
