import {writeFileSync} from 'node:fs';
import bcrypt from 'bcryptjs';

export const benchUsers = {
	userPrefix: 'b',
	password: 'bench-password',
	stormPrefix: 'storm',
	stormPassword: 'storm-password',
} as const;

/**
A users.txt for the bench: `users` regular users sharing one cost-4 hash (logins stay cheap
where they are not what is measured) and `stormUsers` sharing one cost-10 hash, the cost that
`natter users add` writes, for the login storm.
*/
export function writeBenchUsers(path: string, users: number, stormUsers: number): void {
	const hash = bcrypt.hashSync(benchUsers.password, 4);
	const stormHash = bcrypt.hashSync(benchUsers.stormPassword, 10);
	const lines = ['# natter bench users (temporary)'];
	for (let index = 0; index < users; index++) {
		lines.push(`${benchUsers.userPrefix}${index}:${hash}`);
	}

	for (let index = 0; index < stormUsers; index++) {
		lines.push(`${benchUsers.stormPrefix}${index}:${stormHash}`);
	}

	writeFileSync(path, `${lines.join('\n')}\n`);
}
