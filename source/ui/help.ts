/** The TUI's own keys, shown after the server's command list by `/help` and in docs/tui.md. */
export const tuiKeyHelp: readonly string[] = [
	'TUI keys:',
	'  Ctrl+N / Ctrl+P     next / previous conversation',
	'  PageUp / PageDown   scroll the messages (PageUp at the top loads earlier ones); End jumps back to the newest',
	'  Up / Down           recall earlier input',
	'  Tab                 complete a command, user or group name (Tab again cycles)',
	'  Enter               send: plain text goes to the open conversation; start with // to send a leading /',
	'  Ctrl+C or /exit     leave',
];
