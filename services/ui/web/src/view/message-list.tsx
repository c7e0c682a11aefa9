import type { RefObject } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { type Signal, useSignal } from '@preact/signals';
import type { ChatSession } from '../chat.js';
import { dayKey, dayLabel } from '../format/time.js';
import { inOrder } from '../state/messages.js';
import type { Message } from '../state/models.js';
import { now } from './clock.js';
import { MessageItem, PendingItem } from './message-item.js';

// Closer than this to the bottom counts as "at the bottom"; closer than that to the top loads
// the previous page of history.
const BOTTOM_SLACK_PX = 48;
const TOP_SLACK_PX = 400;

interface ListProps {
  chat: ChatSession;
  editing: number | undefined;
  onEdit: (id: number | undefined) => void;
  onEditDone: () => void;
}

// Messages of one author closer than this in time read as one block.
const GROUP_MS = 5 * 60_000;

function continues(previous: Message | undefined, message: Message): boolean {
  return (
    previous !== undefined &&
    !previous.deleted &&
    !message.deleted &&
    previous.user_id === message.user_id &&
    message.created_at - previous.created_at < GROUP_MS
  );
}

/** The messages with a separator heading each day. */
function Days({ chat, messages, ...props }: ListProps & { messages: Message[] }) {
  const users = chat.users.value;
  let day: string | undefined;
  return (
    <>
      {messages.map((message, index) => {
        const key = dayKey(message.created_at);
        const separator = key !== day;
        day = key;
        const continued = !separator && continues(messages[index - 1], message);
        return [
          separator && (
            <h2 class="day" key={`day-${key}`}>
              <span>{dayLabel(message.created_at, now.value)}</span>
            </h2>
          ),
          <MessageItem
            key={message.id}
            chat={chat}
            message={message}
            nickname={users.get(message.user_id)?.nickname ?? `user ${message.user_id}`}
            editing={props.editing === message.id}
            continued={continued}
            onEdit={props.onEdit}
            onEditDone={props.onEditDone}
          />,
        ];
      })}
    </>
  );
}

/** What the last render showed, to tell what changed. */
interface Shown {
  firstId: number | undefined;
  lastId: number | undefined;
  pending: number;
  scrollHeight: number;
}

function historyEdge(chat: ChatSession, empty: boolean): string {
  const list = chat.messages.value;
  if (!list.loaded) return 'Loading messages…';
  if (chat.loadingOlder.value) return 'Loading older messages…';
  if (!list.complete) return '';
  return empty ? 'No messages yet. Say hello!' : 'This is the beginning of the conversation.';
}

/** Where the reader of the log is: at the bottom or not, and how many arrivals they have not seen. */
interface ReaderPlace {
  ref: RefObject<HTMLDivElement | null>;
  atBottom: RefObject<boolean>;
  unseen: Signal<number>;
  /** Scrolls to the newest message: nothing is unseen any more. */
  toBottom: () => void;
  onScroll: () => void;
}

/** A resize (a phone's keyboard, a rotation) keeps the reader at the bottom if they were. */
function useBottomThroughResizes({ ref, atBottom }: Pick<ReaderPlace, 'ref' | 'atBottom'>) {
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
}

/**
 * Tracks the reader's place as they scroll (kept in the channel's log, to come back to it); near
 * the top, the previous page of history loads.
 */
function useReaderPlace(chat: ChatSession): ReaderPlace {
  const ref = useRef<HTMLDivElement>(null);
  const log = chat.shownLog;
  const atBottom = useRef(log.place?.atBottom ?? true);
  const unseen = useSignal(0);
  useBottomThroughResizes({ ref, atBottom });
  const toBottom = () => {
    const element = ref.current;
    if (element) element.scrollTop = element.scrollHeight;
    atBottom.current = true;
    log.place = undefined;
    unseen.value = 0;
  };
  const onScroll = () => {
    const element = ref.current;
    if (!element) return;
    atBottom.current =
      element.scrollHeight - element.scrollTop - element.clientHeight < BOTTOM_SLACK_PX;
    log.place = { scrollTop: element.scrollTop, atBottom: atBottom.current };
    if (atBottom.current) unseen.value = 0;
    if (element.scrollTop < TOP_SLACK_PX) void chat.loadOlder();
  };
  return { ref, atBottom, unseen, toBottom, onScroll };
}

/**
 * After each render, compared with the last: history that went in above keeps the reader's
 * place; arrivals scroll into view when the reader is at the bottom (or posted them), else they
 * are counted as unseen.
 */
function useFollowArrivals(
  chat: ChatSession,
  messages: Message[],
  pending: number,
  place: ReaderPlace,
) {
  const shown = useRef<Shown>({
    firstId: undefined,
    lastId: undefined,
    pending: 0,
    scrollHeight: 0,
  });
  useLayoutEffect(() => {
    const element = place.ref.current;
    if (!element) return;
    const before = shown.current;
    const firstId = messages[0]?.id;
    const lastId = messages.at(-1)?.id;
    if (before.firstId !== undefined && firstId !== undefined && firstId < before.firstId) {
      // A page of history went in above: what the reader looks at stays where it was.
      element.scrollTop += element.scrollHeight - before.scrollHeight;
    }
    const added =
      before.lastId === undefined ? [] : messages.filter((m) => m.id > (before.lastId ?? 0));
    const mine = pending > before.pending || added.some((m) => m.user_id === chat.session.userId);
    const left = chat.shownLog.place;
    if (before.lastId === undefined && lastId !== undefined && left && !left.atBottom) {
      // Back in a channel read earlier: where the reader left it.
      element.scrollTop = left.scrollTop;
    } else if (place.atBottom.current || mine || before.lastId === undefined) place.toBottom();
    else place.unseen.value += added.length;
    shown.current = { firstId, lastId, pending, scrollHeight: element.scrollHeight };
    // A first page shorter than the screen cannot be scrolled up: load more until it fills.
    if (element.scrollHeight <= element.clientHeight + TOP_SLACK_PX) void chat.loadOlder();
  });
}

/**
 * The conversation. New messages scroll into view only when the reader is at the bottom (or
 * posted them); otherwise a button counts them. Scrolling up loads older pages, keeping the
 * reader's place.
 */
export function MessageList(props: ListProps) {
  const { chat } = props;
  const messages = inOrder(chat.messages.value);
  const shown = chat.channelId.value;
  const pending = chat.pending.value.filter((post) => post.channelId === shown);
  const place = useReaderPlace(chat);
  useFollowArrivals(chat, messages, pending.length, place);
  const unseen = place.unseen.value;
  return (
    <div class="messages-frame">
      <div
        class="messages"
        ref={place.ref}
        role="log"
        aria-label="Messages"
        tabIndex={0}
        onScroll={place.onScroll}
      >
        <p class="history-edge">{historyEdge(chat, messages.length === 0)}</p>
        <Days {...props} messages={messages} />
        {pending.map((post) => (
          <PendingItem key={post.key} chat={chat} post={post} />
        ))}
      </div>
      {unseen > 0 && (
        <button type="button" class="new-messages" onClick={place.toBottom}>
          {unseen} new message{unseen === 1 ? '' : 's'} ↓
        </button>
      )}
    </div>
  );
}
