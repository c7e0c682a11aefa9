import { useEffect, useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { signOutEverywhereNow, signOutNow } from '../app-state.js';
import type { ChatSession } from '../chat.js';
import type { ConnectionState } from '../connection.js';
import { nickColour } from '../format/colour.js';
import { channelLabel } from '../state/channels.js';
import { GENERAL_ID } from '../state/models.js';
import { ChannelHeader, JoinBar } from './channel-header.js';
import { Composer } from './composer.js';
import { MessageList } from './message-list.js';
import { Sidebar } from './sidebar.js';
import { TypingLine } from './typing-line.js';

const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

function Connection({ state }: { state: ConnectionState }) {
  return (
    <p
      class={`connection ${state}`}
      role="status"
      aria-label={`Connection: ${CONNECTION_LABELS[state]}`}
    >
      <span class="dot" aria-hidden="true" />
      {CONNECTION_LABELS[state]}
    </p>
  );
}

function Problem({ chat }: { chat: ChatSession }) {
  const problem = chat.problem.value;
  return (
    <div class="problem" role="alert">
      {problem && (
        <>
          <span>{problem}</span>
          <button type="button" class="quiet" onClick={() => (chat.problem.value = undefined)}>
            Dismiss
          </button>
        </>
      )}
    </div>
  );
}

/** What takes the composer's place: the composer, or a Join button in a public channel I am not in. */
function Writing(props: {
  chat: ChatSession;
  composer: { current: HTMLTextAreaElement | null };
  onEditLast: (id: number) => void;
}) {
  const { chat } = props;
  const id = chat.channelId.value;
  const channel = chat.directory.channels.value.get(id);
  const label = channel
    ? channelLabel(channel, chat.users.value, chat.session.userId)
    : id === GENERAL_ID
      ? '#general'
      : 'this channel';
  if (channel?.member === false) return <JoinBar chat={chat} label={label} />;
  return (
    <Composer
      key={id}
      chat={chat}
      label={label}
      inputRef={props.composer}
      onEditLast={props.onEditLast}
    />
  );
}

/**
 * The chat: the sidebar (channels, direct messages, who is online; a drawer on a phone), the
 * shown channel's conversation, and the composer.
 */
export function ChatView({ chat }: { chat: ChatSession }) {
  const editing = useSignal<number | undefined>(undefined);
  const drawer = useSignal(false);
  const composer = useRef<HTMLTextAreaElement>(null);
  const { nickname } = chat.session;
  const channelId = chat.channelId.value;
  const stopEditing = () => {
    editing.value = undefined;
    composer.current?.focus();
  };
  const unread = [...chat.directory.channels.value.values()].some(
    (channel) => channel.unread > 0 && channel.id !== channelId,
  );
  const menu = useRef<HTMLButtonElement>(null);
  const closeDrawer = () => {
    drawer.value = false;
    menu.current?.focus();
  };
  // An opened drawer takes the focus (its current channel); Escape gives it back to the button.
  useEffect(() => {
    if (!drawer.value) return;
    document.querySelector<HTMLElement>('#sidebar a[aria-current], #sidebar a')?.focus();
  }, [drawer.value]);
  return (
    <div
      class="chat"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && drawer.value) closeDrawer();
      }}
    >
      <header class="top">
        <button
          type="button"
          ref={menu}
          class={`menu${unread ? ' unread' : ''}`}
          aria-controls="sidebar"
          aria-expanded={drawer.value}
          onClick={() => (drawer.value = !drawer.value)}
        >
          Channels
          {unread && <span class="visually-hidden"> (unread messages)</span>}
        </button>
        <h1 class="brand">MicroFlack</h1>
        <Connection state={chat.connection.value} />
        <p class="me">
          <span class="visually-hidden">Signed in as </span>
          <span class={`nick nick-${nickColour(nickname)}`}>{nickname}</span>
        </p>
        <div class="leave">
          <button type="button" onClick={() => void signOutNow()}>
            Sign out
          </button>
          <button type="button" onClick={() => void signOutEverywhereNow()}>
            Sign out everywhere
          </button>
        </div>
      </header>
      <Sidebar chat={chat} open={drawer.value} onOpen={() => (drawer.value = false)} />
      {drawer.value && <div class="scrim" aria-hidden="true" onClick={closeDrawer} />}
      <main class="conversation" aria-labelledby="channel-title">
        <ChannelHeader chat={chat} />
        <Problem chat={chat} />
        <MessageList
          key={channelId}
          chat={chat}
          editing={editing.value}
          onEdit={(id) => (editing.value = id)}
          onEditDone={stopEditing}
        />
        <TypingLine chat={chat} />
        <Writing chat={chat} composer={composer} onEditLast={(id) => (editing.value = id)} />
      </main>
    </div>
  );
}
