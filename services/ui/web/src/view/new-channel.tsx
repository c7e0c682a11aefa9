import { useSignal } from '@preact/signals';
import { ApiError } from '../api/http.js';
import type { ChatSession } from '../chat.js';

/** The channel names the platform takes (docs/api.md, channels). */
const NAME = '#?[A-Za-z0-9][A-Za-z0-9_\\-]{0,79}';

/** Why a channel could not be made, in words. */
function reason(error: unknown): string {
  if (error instanceof ApiError && error.code === 'name_taken') return 'That name is taken.';
  return error instanceof Error ? error.message : String(error);
}

/**
 * "New channel": a small form (name, private or not) that makes the channel, with me in it, and
 * opens it. A taken name is said next to the field.
 */
export function NewChannel({ chat, onCreated }: { chat: ChatSession; onCreated: () => void }) {
  const open = useSignal(false);
  const error = useSignal<string | undefined>(undefined);
  if (!open.value) {
    return (
      <button type="button" class="quiet new-channel" onClick={() => (open.value = true)}>
        + New channel
      </button>
    );
  }
  const submit = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const field = data.get('name');
    const name = typeof field === 'string' ? field.trim() : '';
    try {
      const channel = await chat.directory.create(name, '', data.get('private') === 'on');
      open.value = false;
      error.value = undefined;
      if (channel) chat.open(channel.id);
      onCreated();
    } catch (failure) {
      error.value = reason(failure);
    }
  };
  return (
    <form
      class="new-channel-form"
      aria-label="New channel"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <label for="channel-name">Channel name</label>
      <input
        id="channel-name"
        name="name"
        required
        pattern={NAME}
        maxLength={81}
        autoComplete="off"
        title="Letters, digits, _ and -, starting with a letter or digit"
        aria-invalid={error.value !== undefined}
        aria-describedby="channel-name-error"
        // The form opened for this: the name comes first.
        autoFocus
      />
      <p id="channel-name-error" class="field-error">
        {error.value}
      </p>
      <label class="check">
        <input type="checkbox" name="private" /> Private (only people added see it)
      </label>
      <div class="actions">
        <button type="submit" class="primary">
          Create
        </button>
        <button
          type="button"
          onClick={() => {
            open.value = false;
            error.value = undefined;
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
