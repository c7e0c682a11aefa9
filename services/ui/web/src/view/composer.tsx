import { useEffect } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import type { ChatSession } from '../chat.js';
import { lastEditable } from '../state/messages.js';

/** The largest message the platform takes. */
const MAX_SOURCE = 4000;

/**
 * The draft of the shown channel (kept per channel) and what the keys do to it: Enter sends,
 * Shift+Enter starts a new line, Up (in an empty composer) edits my last message, Escape clears
 * the draft.
 */
function useDraft(chat: ChatSession, onEditLast: (id: number) => void) {
  const channelId = chat.channelId.value;
  const draft = useSignal(chat.drafts.get(channelId));
  useEffect(() => chat.drafts.set(channelId, draft.value), [chat, channelId, draft.value]);
  const send = () => {
    if (draft.value.trim() === '') return;
    chat.post(draft.value);
    draft.value = '';
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'ArrowUp' && draft.value === '') {
      const last = lastEditable(chat.messages.value, chat.session.userId);
      if (last) {
        event.preventDefault();
        onEditLast(last.id);
      }
    } else if (event.key === 'Escape') {
      draft.value = '';
    }
  };
  return { draft, send, onKeyDown };
}

/** Where messages are written (the keys are those of `useDraft`). */
export function Composer(props: {
  chat: ChatSession;
  /** Where it posts, as the placeholder names it: `#general`, `ann`. */
  label: string;
  inputRef: { current: HTMLTextAreaElement | null };
  onEditLast: (id: number) => void;
}) {
  const { chat } = props;
  const { draft, send, onKeyDown } = useDraft(chat, props.onEditLast);
  // Signed in: the next thing one does is write.
  useEffect(() => props.inputRef.current?.focus(), [props.inputRef]);
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label class="visually-hidden" for="composer-input">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={props.inputRef}
        rows={1}
        maxLength={MAX_SOURCE}
        placeholder={`Message ${props.label}`}
        aria-describedby="composer-help"
        value={draft.value}
        onInput={(event) => {
          draft.value = event.currentTarget.value;
          chat.typing();
        }}
        onKeyDown={onKeyDown}
      />
      <p id="composer-help" class="visually-hidden">
        Enter sends, Shift+Enter starts a new line, Up edits your last message, Escape clears.
      </p>
      <button type="submit" class="primary" disabled={draft.value.trim() === ''}>
        Send
      </button>
    </form>
  );
}
