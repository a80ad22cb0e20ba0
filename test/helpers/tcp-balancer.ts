import net from 'node:net';

export type TcpBalancer = {
	readonly host: string;
	readonly port: number;
	/** Stops listening and cuts every connection it carries. */
	close(): Promise<void>;
};

/**
A round-robin TCP load balancer for tests, like HAProxy in `mode tcp`: the first connection goes
to the first target, the next to the second, and so on around; bytes are piped both ways
unchanged. So a test that opens its clients one after another spreads them over the nodes.
*/
export async function startTcpBalancer(targets: ReadonlyArray<{host: string; port: number}>): Promise<TcpBalancer> {
	if (targets.length === 0) {
		throw new Error('a balancer needs at least one target');
	}

	const open = new Set<net.Socket>();
	let next = 0;
	const server = net.createServer(client => {
		const target = targets[next++ % targets.length]!;
		const upstream = net.connect({host: target.host, port: target.port});
		open.add(client).add(upstream);
		// Nothing read from the client is lost while the upstream connects: pipe buffers it.
		client.pipe(upstream);
		upstream.pipe(client);
		// The node ended or failed: the client sees its last bytes, then the end.
		upstream.on('error', () => client.end());
		upstream.on('close', () => {
			open.delete(upstream);
			client.end();
		});
		// The client went away: so does its connection to the node (the node sees the close).
		client.on('error', () => upstream.destroy());
		client.on('close', () => {
			open.delete(client);
			upstream.destroy();
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as net.AddressInfo;
	return {
		host: '127.0.0.1',
		port,
		async close() {
			for (const socket of open) {
				socket.destroy();
			}

			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		},
	};
}
