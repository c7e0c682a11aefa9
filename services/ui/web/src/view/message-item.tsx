import { useLayoutEffect, useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import type { ChatSession } from '../chat.js';
import { nickColour } from '../format/colour.js';
import { fullTime, relativeTime } from '../format/time.js';
import { safeFragment } from '../sanitize.js';
import { isEdited } from '../state/messages.js';
import type { Message } from '../state/models.js';
import type { PendingPost } from '../state/pending.js';
import { now } from './clock.js';
import { markMentions } from './mention-marks.js';

function Author({ nickname, mine }: { nickname: string; mine: boolean }) {
  return (
    <span class="author">
      <span class={`nick nick-${nickColour(nickname)}`}>{nickname}</span>
      {mine && <span class="you"> (you)</span>}
    </span>
  );
}

function Time({ time }: { time: number }) {
  return (
    <time dateTime={new Date(time).toISOString()} title={fullTime(time)}>
      {relativeTime(time, now.value)}
    </time>
  );
}

/** The text area of an edit in place: Enter saves, Shift+Enter is a new line, Escape cancels. */
function Editor(props: { source: string; onSave: (source: string) => void; onCancel: () => void }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  // Before the next keystroke: typing right after Up must land in the editor.
  useLayoutEffect(() => {
    const area = ref.current;
    area?.focus();
    area?.setSelectionRange(area.value.length, area.value.length);
  }, []);
  return (
    <div class="editor">
      <label class="visually-hidden" for="edit-message">
        Edit message
      </label>
      <textarea
        id="edit-message"
        ref={ref}
        maxLength={4000}
        defaultValue={props.source}
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onCancel();
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            props.onSave(event.currentTarget.value);
          }
        }}
      />
      <p class="hint">Enter to save, Escape to cancel</p>
    </div>
  );
}

/**
 * The rendered Markdown of a message, sanitised into nodes (never through `innerHTML`), its
 * mentions marked (mine stand out).
 */
function Content({ html, me }: { html: string; me: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(
    () => ref.current?.replaceChildren(markMentions(safeFragment(html), me)),
    [html, me],
  );
  return <div class="content" ref={ref} />;
}

function ConfirmDelete(props: { onDelete: () => void; onCancel: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => cancel.current?.focus(), []);
  return (
    <div class="confirm" role="group" aria-label="Delete this message?">
      <span>Delete this message?</span>
      <button type="button" class="danger" onClick={props.onDelete}>
        Delete
      </button>
      <button
        type="button"
        ref={cancel}
        onClick={props.onCancel}
        onKeyDown={(event) => event.key === 'Escape' && props.onCancel()}
      >
        Cancel
      </button>
    </div>
  );
}

/** What a message item needs from the list. */
export interface MessageItemProps {
  chat: ChatSession;
  message: Message;
  nickname: string;
  editing: boolean;
  /** Whether it closely follows a message of the same author: the author line is not shown. */
  continued: boolean;
  onEdit: (id: number | undefined) => void;
  onEditDone: () => void;
}

/** Who wrote a message and when. */
function Byline({ nickname, mine, time }: { nickname: string; mine: boolean; time: number }) {
  return (
    <>
      <Author nickname={nickname} mine={mine} /> <Time time={time} />
    </>
  );
}

/** What is left of a deleted message: who wrote it and when. */
function Tombstone(props: { nickname: string; mine: boolean; time: number }) {
  return (
    <article class="message tombstone">
      <p class="meta">
        <Byline {...props} />
      </p>
      <p class="content">This message was deleted.</p>
    </article>
  );
}

/** Edit and Delete on my message (not while it is edited); Delete asks first. */
function MessageTools(props: {
  chat: ChatSession;
  id: number;
  editing: boolean;
  onEdit: (id: number | undefined) => void;
}) {
  const confirming = useSignal(false);
  return (
    <>
      {!props.editing && !confirming.value && (
        <div class="tools">
          <button
            type="button"
            class="quiet"
            aria-label="Edit message"
            onClick={() => props.onEdit(props.id)}
          >
            Edit
          </button>
          <button
            type="button"
            class="quiet"
            aria-label="Delete message"
            onClick={() => (confirming.value = true)}
          >
            Delete
          </button>
        </div>
      )}
      {confirming.value && (
        <ConfirmDelete
          onDelete={() => {
            confirming.value = false;
            void props.chat.remove(props.id);
          }}
          onCancel={() => (confirming.value = false)}
        />
      )}
    </>
  );
}

/**
 * One message: author in their colour, time, content (sanitised again here), "edited"; mine
 * can be edited and deleted in place. A deleted message is a tombstone line.
 */
export function MessageItem({
  chat,
  message,
  nickname,
  editing,
  continued,
  onEdit,
  onEditDone,
}: MessageItemProps) {
  const mine = message.user_id === chat.session.userId;
  if (message.deleted) {
    return <Tombstone nickname={nickname} mine={mine} time={message.created_at} />;
  }
  const save = (source: string) => {
    if (source.trim() === '' || source === message.source) return onEditDone();
    void chat.edit(message.id, source).then((saved) => saved && onEditDone());
  };
  return (
    <article class={`message${mine ? ' mine' : ''}${continued ? ' continued' : ''}`}>
      <p class={continued ? 'visually-hidden' : 'meta'}>
        <Byline nickname={nickname} mine={mine} time={message.created_at} />
        {isEdited(message) && !continued && <span class="edited"> (edited)</span>}
      </p>
      {editing ? (
        <Editor source={message.source} onSave={save} onCancel={onEditDone} />
      ) : (
        <Content html={message.html} me={chat.session.nickname} />
      )}
      {isEdited(message) && continued && !editing && <p class="edited">(edited)</p>}
      {mine && <MessageTools chat={chat} id={message.id} editing={editing} onEdit={onEdit} />}
    </article>
  );
}

/** A post on its way (grey, "sending…") or failed (with the reason, a retry and a discard). */
export function PendingItem({ chat, post }: { chat: ChatSession; post: PendingPost }) {
  const failed = post.state === 'failed';
  return (
    <article class={`message pending${failed ? ' failed' : ''}`} aria-busy={!failed}>
      <p class="meta">
        <Author nickname={chat.session.nickname} mine />{' '}
        <span class="state">{failed ? `Not sent: ${post.error ?? ''}` : 'Sending…'}</span>
      </p>
      <p class="content plain">{post.source}</p>
      {failed && (
        <div class="tools shown">
          <button type="button" onClick={() => chat.retryPost(post.key)}>
            Retry
          </button>
          <button type="button" class="quiet" onClick={() => chat.discardPost(post.key)}>
            Discard
          </button>
        </div>
      )}
    </article>
  );
}
