import {memo} from 'react';
import {Box, Text} from 'ink';
import {useTheme} from '../theme.js';
import {sanitizeText} from '../../protocol/index.js';
import type {Conversation, ConversationKey, GroupMember} from '../state/types.js';
import {terminalSafe} from '../text-width.js';

/** What the panel shows of a conversation (not its lines: props stay small). */
export type ConversationSummary = Pick<Conversation, 'key' | 'kind' | 'name' | 'unread' | 'mentions'>;

type Props = {
	readonly conversations: readonly ConversationSummary[];
	readonly active: ConversationKey;
	readonly online: readonly string[];
	/** The open group's members (online ones first), shown instead of who is online; undefined outside a group or before they came. */
	readonly members?: readonly GroupMember[];
	/** The group's member count by the server: more than `members` holds when only its first pages were fetched. */
	readonly memberTotal?: number;
	readonly width: number;
	readonly height: number;
};

function label(conversation: ConversationSummary): string {
	switch (conversation.kind) {
		case 'all': {
			return 'All';
		}

		case 'group': {
			return `# ${sanitizeText(conversation.name)}`;
		}

		case 'dm': {
			return `@ ${sanitizeText(conversation.name)}`;
		}
	}
}

/** A window of `size` items from `items` that holds index `keep`. */
function windowAround<T>(items: readonly T[], keep: number, size: number): {items: readonly T[]; start: number} {
	if (items.length <= size) {
		return {items, start: 0};
	}

	const start = Math.min(Math.max(0, keep - Math.floor(size / 2)), items.length - size);
	return {items: items.slice(start, start + size), start};
}

/** Conversations (All, groups, direct messages) with unread counts, then who is online. */
export const ConversationPanel = memo(function ConversationPanel({conversations, active, online, members, memberTotal, width, height}: Props) {
	const theme = useTheme();
	const inner = Math.max(2, height - 2);
	const people = members
		? [...members].sort((a, b) => Number(b.online) - Number(a.online) || (a.name < b.name ? -1 : 1))
		: online.map(name => ({name, online: true}));
	const total = Math.max(people.length, members ? memberTotal ?? 0 : 0);
	// The header, the people, and a `+N more` row for members not fetched.
	const onlineWanted = 1 + Math.max(1, people.length + (total > people.length ? 1 : 0));
	const conversationsWanted = 1 + conversations.length;
	const onlineRows = conversationsWanted + onlineWanted <= inner
		? onlineWanted
		: Math.min(onlineWanted, Math.max(2, Math.floor(inner * 0.4)));
	const conversationRows = Math.max(1, inner - onlineRows - 1);
	const activeIndex = conversations.findIndex(conversation => conversation.key === active);
	const shown = windowAround(conversations, activeIndex, conversationRows);
	const onlineListRows = onlineRows - 1;
	const onlineShown = total > onlineListRows || total > people.length ? people.slice(0, Math.max(0, Math.min(people.length, onlineListRows - 1))) : people;
	const onlineHidden = total - onlineShown.length;
	const onlineCount = people.filter(person => person.online).length;
	// Only part of a huge group is held: its online count would be a guess, so the header gives the total alone.
	const membersHeader = total > people.length ? `Members ${total}` : `Members ${onlineCount}/${total}`;
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.border} width={width} height={height} paddingX={1} overflow="hidden">
			<Text bold dimColor wrap="truncate-end">Conversations</Text>
			{shown.items.map(conversation => {
				const isActive = conversation.key === active;
				return (
					<Box key={conversation.key} flexShrink={0}>
						<Box flexGrow={1}>
							<Text wrap="truncate-end" inverse={isActive} bold={isActive}>{label(conversation)}</Text>
						</Box>
						{conversation.unread > 0
							? <Text bold color={conversation.mentions > 0 ? theme.notice : theme.input}>{` ${conversation.mentions > 0 ? '@' : ''}${conversation.unread}`}</Text>
							: null}
					</Box>
				);
			})}
			{onlineRows > 0
				? <Text bold dimColor wrap="truncate-end">{members ? membersHeader : `Online (${online.length})`}</Text>
				: null}
			{onlineRows > 1 && people.length === 0 ? <Text dimColor wrap="truncate-end">nobody else</Text> : null}
			{onlineRows > 1
				? onlineShown.map(person => (
					person.online
						? <Text key={person.name} wrap="truncate-end" color={theme.nick(sanitizeText(person.name), false)}>{`● ${terminalSafe(person.name)}`}</Text>
						: <Text key={person.name} wrap="truncate-end" dimColor>{`○ ${terminalSafe(person.name)}`}</Text>
				))
				: null}
			{onlineRows > 1 && onlineHidden > 0 ? <Text dimColor wrap="truncate-end">{`+${onlineHidden} more`}</Text> : null}
		</Box>
	);
});
