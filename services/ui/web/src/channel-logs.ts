import { computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { EMPTY_LIST, markDeleted, type MessageList } from './state/messages.js';

/** Where the reader was in a channel's messages, to come back to it. */
export interface ReaderPlace {
  scrollTop: number;
  atBottom: boolean;
}

/** What the client holds of one channel's messages. */
export class ChannelLog {
  readonly messages = signal<MessageList>(EMPTY_LIST);
  readonly loadingOlder = signal(false);
  /** Where the reader left it; undefined: at the bottom. */
  place: ReaderPlace | undefined;
  /** Whether its latest page is being loaded or has been. */
  started = false;
}

/**
 * The messages of every channel opened in this tab, each in its own log, and the channel on the
 * screen: what the view reads is the shown channel's.
 */
export class ChannelLogs {
  private readonly logs = new Map<number, ChannelLog>();

  /** The channel on the screen. */
  readonly shown: Signal<number>;
  /** The shown channel's messages. */
  readonly messages: ReadonlySignal<MessageList>;
  /** Whether the shown channel's history is loading. */
  readonly loadingOlder: ReadonlySignal<boolean>;

  constructor(first: number) {
    this.shown = signal(first);
    this.messages = computed(() => this.log(this.shown.value).messages.value);
    this.loadingOlder = computed(() => this.log(this.shown.value).loadingOlder.value);
  }

  /** The log of channel `id` (an empty one the first time). */
  log(id: number): ChannelLog {
    let log = this.logs.get(id);
    if (!log) {
      log = new ChannelLog();
      this.logs.set(id, log);
    }
    return log;
  }

  /** The log of channel `id` when it has been opened. */
  opened(id: number): ChannelLog | undefined {
    const log = this.logs.get(id);
    return log?.started ? log : undefined;
  }

  /** A deletion: the message becomes a tombstone in whichever log holds it. */
  deleted(id: number): void {
    for (const log of this.logs.values()) {
      if (log.messages.value.byId.has(id)) log.messages.value = markDeleted(log.messages.value, id);
    }
  }
}
