import {useEffect, useRef} from 'react';
import {useStdin} from 'ink';
import {type Key, parseKeys} from '../keys.js';

/**
Calls `onKeys` with the keys of every input event while `active`. Reads Ink's raw input events (the
same ones `useInput` reads, before its lossy parse; see keys.ts) and subscribes once, not on every
render: the handler may change freely, the latest one is called.
*/
export function useKeys(onKeys: (keys: readonly Key[]) => void, active = true): void {
	const {setRawMode, internal_eventEmitter: events} = useStdin();
	const handler = useRef(onKeys);
	handler.current = onKeys;
	useEffect(() => {
		if (!active) {
			return;
		}

		setRawMode(true);
		return () => {
			setRawMode(false);
		};
	}, [active, setRawMode]);
	useEffect(() => {
		if (!active) {
			return;
		}

		const listener = (raw: string) => {
			handler.current(parseKeys(raw));
		};

		events.on('input', listener);
		return () => {
			events.off('input', listener);
		};
	}, [active, events]);
}
