/** Protocol version the server announces in its greeting and `welcome` event. */
export const PROTOCOL_VERSION = 2;

/** Longest accepted line, in bytes, not counting the newline. Longer lines get a `line_too_long` error. */
export const MAX_LINE_BYTES = 8192;

/**
Bytes without any newline after which the connection is closed: a peer that never ends a line
is not speaking the protocol, and buffering it further would make memory per connection unbounded.
*/
export const HARD_LINE_CAP_BYTES = 65_536;

/** Longest message text, in characters (UTF-16 code units after decoding). */
export const MAX_TEXT_LENGTH = 4000;

/** User and group names: 1..32 characters of `a-z 0-9 _ -`, starting with a letter or digit. */
export const MAX_NAME_LENGTH = 32;

/** `/history` without N returns this many messages. */
export const DEFAULT_HISTORY_COUNT = 50;

/** The most messages one `/history` returns. */
export const MAX_HISTORY_COUNT = 1000;

/** A history reply stops adding messages past this many bytes of text (it then says `more`). */
export const MAX_HISTORY_REPLY_BYTES = 512 * 1024;

/** A resuming client gets at most this many missed messages per conversation; older ones are a `gap`. */
export const RESUME_CAP = 1000;

/** Conversations one `resume` may name. */
export const MAX_RESUME_CONVERSATIONS = 1000;

/** Groups one `/groups` reply lists; the rest are on later pages (`/groups [filter] <page>`). */
export const GROUPS_PAGE_SIZE = 100;

/** Members one `/members` reply lists; the rest are on later pages (`/members <group> <page>`). */
export const MEMBERS_PAGE_SIZE = 200;
