import {spawn} from 'node:child_process';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

/** The built `natter` binary. */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export type CliResult = {code: number | null; stdout: string; stderr: string};

/**
Runs the built CLI to its end, asynchronously (a server under test in this process goes on
answering), with stdin a pipe (not a terminal) holding `input`.
*/
export async function runCli(args: readonly string[], options: {input?: string; env?: NodeJS.ProcessEnv; cwd?: string} = {}): Promise<CliResult> {
	const child = spawn(process.execPath, [cliPath, ...args], {
		...(options.cwd === undefined ? {} : {cwd: options.cwd}),
		...(options.env === undefined ? {} : {env: options.env}),
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	child.stdin.end(options.input ?? '');
	const code = await new Promise<number | null>(resolve => {
		child.on('close', resolve);
	});
	return {code, stdout, stderr};
}
