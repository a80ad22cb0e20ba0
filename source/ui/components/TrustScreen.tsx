import {useEffect, useRef, useState} from 'react';
import {Box, Text, useApp} from 'ink';
import {useTheme} from '../theme.js';
import {ConnectError} from '../../client/connect-error.js';
import type {ClientTls} from '../../client/tls.js';
import {firstContact, type FirstContact, type TlsSetup} from '../../client/trust.js';
import {formatFingerprint} from '../../tls/fingerprint.js';
import {sanitizeText} from '../../protocol/index.js';
import {useKeys} from '../hooks/use-keys.js';
import {edit, type Line} from '../state/line-editor.js';
import {InputLine} from './InputLine.js';

type Props = {
	readonly host: string;
	readonly port: number;
	readonly setup: TlsSetup;
	readonly onTrusted: (tls: ClientTls) => void;
};

type View = {readonly kind: 'checking'} | {readonly kind: 'saving'} | FirstContact;

/** `sha256:AB:…` in two lines of 16 bytes, so a narrow terminal does not break it at random. */
function fingerprintLines(hex: string): [string, string] {
	const full = formatFingerprint(hex);
	const cut = 'sha256:'.length + (16 * 3);
	return [full.slice(0, cut), `       ${full.slice(cut)}`];
}

/**
Before the login screen, with `--tls`: one handshake (nothing sent) tells whether the server is
known. An unknown self-signed server's fingerprint is shown and the user asked, like ssh; "yes"
remembers it in known_servers. A changed certificate is refused, loudly, with no way past it here.
*/
export function TrustScreen({host, port, setup, onTrusted}: Props) {
	const theme = useTheme();
	const {exit} = useApp();
	const [view, setView] = useState<View>({kind: 'checking'});
	const [attempt, setAttempt] = useState(0);
	const [answer, setAnswer] = useState<Line>({value: '', cursor: 0});
	// What was typed, as of the last key: Enter can come in the same read as the text (a paste, tmux),
	// before React has rendered it.
	const typed = useRef<Line>({value: '', cursor: 0});
	const [hint, setHint] = useState('');
	const where = `${host}:${port}`;

	useEffect(() => {
		let current = true;
		setView({kind: 'checking'});
		void firstContact(setup, host, port).then(result => {
			if (!current) {
				return;
			}

			if (result.kind === 'trusted') {
				onTrusted(result.tls);
			} else {
				setView(result);
			}
		});
		return () => {
			current = false;
		};
	}, [attempt]);

	useKeys(keys => {
		for (const key of keys) {
			if (key.kind === 'ctrl' && (key.letter === 'c' || key.letter === 'd')) {
				exit();
				return;
			}

			if (key.kind === 'enter') {
				if (view.kind === 'failed') {
					setAttempt(attempt + 1);
				} else if (view.kind === 'changed') {
					exit();
				} else {
					submit(typed.current.value);
				}

				continue;
			}

			if (view.kind !== 'unknown') {
				continue;
			}

			const operation = key.kind === 'text'
				? {type: 'insert', text: key.text} as const
				: (key.kind === 'backspace' ? {type: 'backspace'} as const : (key.kind === 'left' || key.kind === 'right' ? {type: key.kind} : undefined));
			if (operation) {
				typed.current = edit(typed.current, operation).line;
				setAnswer(typed.current);
			}
		}
	});

	const submit = (value: string) => {
		if (view.kind !== 'unknown') {
			return;
		}

		const said = value.trim().toLowerCase();
		if (said === 'yes') {
			const {fingerprint, known} = view;
			setView({kind: 'saving'});
			known.remember(host, port, fingerprint).then(() => {
				onTrusted({fingerprint, pinnedBy: {kind: 'known_servers', file: known.file}});
			}, (error: unknown) => {
				setView({kind: 'failed', error: new ConnectError(`cannot write ${known.file}: ${(error as Error).message}`, 'known_servers')});
			});
		} else if (said === 'no') {
			exit();
		} else {
			setHint('Please type "yes" or "no".');
			typed.current = {value: '', cursor: 0};
			setAnswer(typed.current);
		}
	};

	let body;
	switch (view.kind) {
		case 'checking':
		case 'trusted': {
			body = <Text color={theme.notice}>{`Connecting to ${where} over TLS…`}</Text>;
			break;
		}

		case 'saving': {
			body = <Text color={theme.notice}>Remembering the certificate…</Text>;
			break;
		}

		case 'unknown': {
			const [first, second] = fingerprintLines(view.fingerprint);
			body = (
				<Box flexDirection="column">
					<Text>{`The authenticity of ${where} can't be established:`}</Text>
					<Text>{`its certificate is not vouched for by a trusted CA (${sanitizeText(view.reason)}).`}</Text>
					<Box marginTop={1} flexDirection="column">
						<Text>The certificate&apos;s SHA-256 fingerprint is</Text>
						<Text bold>{first}</Text>
						<Text bold>{second}</Text>
					</Box>
					<Box marginTop={1} flexDirection="column">
						<Text dimColor>Compare it with the one the server&apos;s operator gave you (natter serve logs it at start).</Text>
						<Text>{`If they match, type yes to trust ${where} and remember it in`}</Text>
						<Text>{`${view.known.file}; no to quit.`}</Text>
					</Box>
					<Box marginTop={1}>
						<Text>Trust it? (yes/no): </Text>
						<InputLine value={answer.value} cursor={answer.cursor} width={20}/>
					</Box>
					{hint === '' ? null : <Text color={theme.notice}>{hint}</Text>}
				</Box>
			);
			break;
		}

		case 'changed': {
			body = (
				<Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1}>
					<Text bold color={theme.error}>{`WARNING: THE CERTIFICATE OF ${where} HAS CHANGED`}</Text>
					{/* The error's own text starts with that headline (the pipe prints it alone): not said twice. */}
					<Text color={theme.error}>{sanitizeText(view.error.message.replace(/^WARNING: THE CERTIFICATE OF \S+ HAS CHANGED\. /, ''))}</Text>
					<Text dimColor>Enter or Ctrl+C: quit</Text>
				</Box>
			);
			break;
		}

		case 'failed': {
			body = (
				<Box flexDirection="column">
					<Text color={theme.error}>{sanitizeText(view.error.message)}</Text>
					<Text dimColor>Enter: try again · Ctrl+C: quit</Text>
				</Box>
			);
			break;
		}
	}

	return (
		<Box flexDirection="column" paddingX={2} paddingY={1}>
			<Text bold color={theme.status}>natter</Text>
			{body}
		</Box>
	);
}
