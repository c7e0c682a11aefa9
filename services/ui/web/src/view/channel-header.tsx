import { useSignal } from '@preact/signals';
import type { ChatSession } from '../chat.js';
import { channelLabel, type Channel } from '../state/channels.js';
import { GENERAL_ID } from '../state/models.js';
import { onlineUsers } from '../state/users.js';

/** "Add someone": the people online who are not in the channel yet, to pick one. */
function Invite({ chat, channel }: { chat: ChatSession; channel: Channel }) {
  const picked = useSignal('');
  const members = channel.member_ids ?? [];
  const candidates = onlineUsers(chat.users.value, chat.session.userId).filter(
    (user) => user.id !== chat.session.userId && !members.includes(user.id),
  );
  if (candidates.length === 0) return null;
  return (
    <form
      class="invite"
      onSubmit={(event) => {
        event.preventDefault();
        const userId = Number(picked.value);
        if (userId > 0)
          void chat.directory.invite(channel.id, userId).then(() => (picked.value = ''));
      }}
    >
      <label class="visually-hidden" for="invite-who">
        Add someone to {channelLabel(channel, chat.users.value, chat.session.userId)}
      </label>
      <select
        id="invite-who"
        value={picked.value}
        onChange={(event) => (picked.value = event.currentTarget.value)}
      >
        <option value="">Add someone…</option>
        {candidates.map((user) => (
          <option key={user.id} value={String(user.id)}>
            {user.nickname}
          </option>
        ))}
      </select>
      <button type="submit" disabled={picked.value === ''}>
        Add
      </button>
    </form>
  );
}

/** The shown channel: its name and topic; invite and leave where that makes sense. */
export function ChannelHeader({ chat }: { chat: ChatSession }) {
  const id = chat.channelId.value;
  const channel = chat.directory.channels.value.get(id);
  if (!channel) {
    return (
      <header class="channel-header">
        <h2 id="channel-title">{id === GENERAL_ID ? '#general' : 'Loading…'}</h2>
      </header>
    );
  }
  const named = id !== GENERAL_ID && channel.kind !== 'direct';
  const inside = channel.member !== false;
  return (
    <header class="channel-header">
      <h2 id="channel-title">
        {channel.kind === 'direct' && <span class="visually-hidden">Direct messages with </span>}
        {channelLabel(channel, chat.users.value, chat.session.userId)}
        {channel.kind === 'private' && <span class="tag">private</span>}
      </h2>
      {channel.topic !== '' && <p class="topic">{channel.topic}</p>}
      {named && inside && (
        <div class="channel-tools">
          <Invite chat={chat} channel={channel} />
          <button type="button" onClick={() => void chat.directory.leave(id)}>
            Leave
          </button>
        </div>
      )}
    </header>
  );
}

/** Instead of the composer in a public channel I am not in: join it to write. */
export function JoinBar({ chat, label }: { chat: ChatSession; label: string }) {
  const id = chat.channelId.value;
  return (
    <div class="join-bar">
      <p>You are reading {label}.</p>
      <button type="button" class="primary" onClick={() => void chat.directory.join(id)}>
        Join {label}
      </button>
    </div>
  );
}
