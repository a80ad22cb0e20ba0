import {tuiCommandHelp} from './state/submission.js';

/** The TUI's own keys and commands, shown after the server's command list by `/help` and in docs/tui.md. */
export const tuiKeyHelp: readonly string[] = [
	'TUI keys:',
	'  Ctrl+N / Ctrl+P       next / previous conversation; Alt+1..9 the first to ninth; Alt+A the next with unread (mentions first)',
	'  PageUp / PageDown     scroll the messages (PageUp at the top loads earlier ones)',
	'  Shift/Alt+PgUp/PgDn   to the top / back to the newest (also Ctrl+Home / Ctrl+End, and Home / End on an empty line)',
	'  Left / Right          move the cursor; Ctrl or Alt with them, or Alt+B / Alt+F, by word',
	'  Home / End            start / end of the line (also Ctrl+A / Ctrl+E)',
	'  Backspace / Delete    delete before / under the cursor (Ctrl+H / Ctrl+D)',
	'  Ctrl+W / Alt+Backspace  delete the word before the cursor; Alt+D the word after it',
	'  Ctrl+U / Ctrl+K       delete to the start / to the end of the line; Ctrl+Y puts it back',
	'  Up / Down             recall earlier input',
	'  Tab                   complete a command, user or group name (Tab again cycles)',
	'  Enter                 send: plain text goes to the open conversation; start with // to send a leading /',
	'  paste                 a paste of several lines waits: Enter sends each line as a message (paced to the server), Esc drops it',
	'  Ctrl+C, Ctrl+D on an empty line, /quit or /exit   leave',
	...tuiCommandHelp,
];
