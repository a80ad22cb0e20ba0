import net from 'node:net';
import process from 'node:process';

/*
A baseline, not natter: the least a Node server on one core can do for the bench's workloads.
It speaks just enough of JSON mode (hello, login without a password check, create/join group,
group_msg, msg, ping) and relays each message as one shared Buffer written to every recipient,
with writes corked per tick. `npm run bench -- --server relay` measures it, which shows the
harness's own ceiling beside natter's figures.
*/

type Peer = {socket: net.Socket; user: string; corked: boolean};

const users = new Map<string, Peer>();
const groups = new Map<string, Peer[]>();
let nextId = 1;

function write(peer: Peer, bytes: Buffer | string): void {
	if (!peer.corked) {
		peer.corked = true;
		peer.socket.cork();
		process.nextTick(() => {
			peer.corked = false;
			peer.socket.uncork();
		});
	}

	peer.socket.write(bytes);
}

function onLine(peer: Peer, line: string): void {
	const request = JSON.parse(line) as {type: string; id?: string | number; user?: string; line?: string};
	const id = request.id === undefined ? '' : `"id":${JSON.stringify(request.id)},`;
	if (request.type === 'hello') {
		write(peer, '\n{"type":"welcome","protocol":1,"server":"natter","version":"relay"}\n');
	} else if (request.type === 'login') {
		peer.user = request.user ?? '';
		users.set(peer.user, peer);
		write(peer, `{"type":"login_ok",${id}"user":"${peer.user}","text":"welcome"}\n`);
	} else if (request.type === 'ping') {
		write(peer, `{"type":"pong",${id}"ts":"${new Date().toISOString()}"}\n`);
	} else if (request.type === 'command' && request.line) {
		const [command = '', target = ''] = request.line.split(' ', 2);
		const text = request.line.slice(command.length + target.length + 2);
		if (command === '/create_group' || command === '/join_group') {
			const members = groups.get(target) ?? [];
			members.push(peer);
			groups.set(target, members);
			write(peer, `{"type":"ok",${id}"command":"${command.slice(1)}","text":"ok","group":"${target}"}\n`);
		} else if (command === '/group_msg') {
			const members = groups.get(target) ?? [];
			const message = `{"type":"group_msg","id":${nextId++},"ts":"${new Date().toISOString()}","from":"${peer.user}","group":"${target}","text":${JSON.stringify(text)}}`;
			const bytes = Buffer.from(`${message}\n`);
			for (const member of members) {
				if (member !== peer) {
					write(member, bytes);
				}
			}

			write(peer, `{"type":"ok",${id}"command":"group_msg","text":"sent","message":${message},"recipients":${members.length - 1}}\n`);
		} else if (command === '/msg') {
			const recipient = users.get(target);
			const message = `{"type":"msg","id":${nextId++},"ts":"${new Date().toISOString()}","from":"${peer.user}","to":"${target}","text":${JSON.stringify(text)}}`;
			if (recipient) {
				write(recipient, `${message}\n`);
			}

			write(peer, `{"type":"ok",${id}"command":"msg","text":"sent","message":${message},"recipients":1}\n`);
		} else {
			write(peer, `{"type":"ok",${id}"command":"${command.slice(1)}","text":"ok"}\n`);
		}
	}
}

const server = net.createServer(socket => {
	socket.setNoDelay(true);
	const peer: Peer = {socket, user: '', corked: false};
	let pending = '';
	socket.setEncoding('utf8');
	socket.on('data', (chunk: string) => {
		const lines = (pending + chunk).split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) {
			if (line.startsWith('{')) {
				onLine(peer, line);
			}
		}
	});
	socket.on('error', () => {});
	socket.on('close', () => {
		if (users.get(peer.user) === peer) {
			users.delete(peer.user);
		}
	});
});

const portFlag = process.argv.indexOf('--port');
server.listen(portFlag === -1 ? 0 : Number(process.argv[portFlag + 1]), '127.0.0.1', () => {
	const address = server.address() as net.AddressInfo;
	console.log(`natter listening on ${address.address}:${address.port}`);
});
process.on('SIGTERM', () => {
	process.exit(0);
});
