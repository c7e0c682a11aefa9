import { useEffect } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import type { ChatSession } from '../chat.js';
import { activeTypers, typingLine } from '../state/typing.js';

/** "ann is typing…" in the shown channel: kept current every second while anyone types. */
export function TypingLine({ chat }: { chat: ChatSession }) {
  const tick = useSignal(Date.now());
  const typers = chat.typers.value;
  useEffect(() => {
    if (typers.length === 0) return undefined;
    const timer = setInterval(() => {
      tick.value = Date.now();
      if (activeTypers(chat.typers.value, tick.value).length === 0) chat.typers.value = [];
    }, 1000);
    return () => clearInterval(timer);
  }, [typers, chat, tick]);
  const here = activeTypers(typers, tick.value, chat.channelId.value);
  const line = typingLine(here.map((typer) => typer.nickname));
  return (
    <p class="typing" aria-live="polite">
      {line}
    </p>
  );
}
