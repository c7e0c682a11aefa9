import type { ChatSession } from '../chat.js';
import { nickColour } from '../format/colour.js';
import { onlineUsers } from '../state/users.js';

/** Who is online now, yourself first and marked; the list follows the platform live. */
export function People({ chat }: { chat: ChatSession }) {
  const people = onlineUsers(chat.users.value, chat.session.userId);
  return (
    // Focusable: on a phone it is a strip that scrolls sideways, and the keyboard must reach it.
    <aside class="people" aria-labelledby="people-title" tabIndex={0}>
      <h2 id="people-title">
        Online <span class="count">{people.length}</span>
      </h2>
      <ul aria-labelledby="people-title">
        {people.map((user) => (
          <li key={user.id} class="person">
            <span class="dot" aria-hidden="true" />
            <span class={`nick nick-${nickColour(user.nickname)}`}>{user.nickname}</span>
            {user.id === chat.session.userId && <span class="you"> (you)</span>}
          </li>
        ))}
      </ul>
    </aside>
  );
}
