/** Why a connection could not be opened; `code` is the server's error code when it answered. */
export class ConnectError extends Error {
	constructor(message: string, readonly code: string) {
		super(message);
		this.name = 'ConnectError';
	}
}
