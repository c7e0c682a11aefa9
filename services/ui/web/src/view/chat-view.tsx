import { useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { signOutEverywhereNow, signOutNow } from '../app-state.js';
import type { ChatSession } from '../chat.js';
import type { ConnectionState } from '../connection.js';
import { nickColour } from '../format/colour.js';
import { Composer } from './composer.js';
import { MessageList } from './message-list.js';
import { People } from './people.js';
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

/** The chat: who is here, the conversation, and the composer. */
export function ChatView({ chat }: { chat: ChatSession }) {
  const editing = useSignal<number | undefined>(undefined);
  const composer = useRef<HTMLTextAreaElement>(null);
  const { nickname } = chat.session;
  const stopEditing = () => {
    editing.value = undefined;
    composer.current?.focus();
  };
  return (
    <div class="chat">
      <header class="top">
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
      <People chat={chat} />
      <main class="conversation" aria-label="Conversation">
        <Problem chat={chat} />
        <MessageList
          chat={chat}
          editing={editing.value}
          onEdit={(id) => (editing.value = id)}
          onEditDone={stopEditing}
        />
        <TypingLine chat={chat} />
        <Composer chat={chat} inputRef={composer} onEditLast={(id) => (editing.value = id)} />
      </main>
    </div>
  );
}
