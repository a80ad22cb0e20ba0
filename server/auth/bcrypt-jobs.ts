/** Messages between the bcrypt pool and its workers. */
export type BcryptJob =
	| {readonly op: 'hash'; readonly password: string; readonly cost: number}
	| {readonly op: 'compare'; readonly password: string; readonly hash: string};

export type BcryptReply =
	| {readonly ok: true; readonly result: string | boolean}
	| {readonly ok: false; readonly error: string};
