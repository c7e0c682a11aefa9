import { ApiError } from './api/http.js';
import { catchUpMessages, readPage } from './catch-up.js';
import type { ChannelLogs } from './channel-logs.js';
import { addLatestPage, addOlderPage, withCursor } from './state/messages.js';
import type { Message } from './state/models.js';

/** Messages per page: the latest on arrival, then each history page. */
export const PAGE_SIZE = 50;

/** What reading channels needs from its chat. */
export interface ReaderDeps {
  /** An authenticated `GET` of the API. */
  get: (path: string) => Promise<unknown>;
  logs: ChannelLogs;
  /** Messages a catch-up brought (they go through the chat's arrivals). */
  arrived: (messages: readonly Message[]) => void;
  /** Messages a page brought (their authors get known). */
  paged: (messages: readonly Message[]) => void;
  /** Whether the socket is connected (a first page then catches up at once). */
  connected: () => boolean;
  /** Channel `id` cannot be seen: it does not exist, or it is not mine (404). */
  missing: (id: number) => void;
  failed: (what: string, error: unknown) => void;
}

/** The messages of channels, page by page: the latest, history, and catching up. */
export class ChannelReader {
  constructor(private readonly deps: ReaderDeps) {}

  /** The latest page of channel `id`, into its log; then what came while it loaded. */
  async latest(id: number): Promise<void> {
    const log = this.deps.logs.log(id);
    log.started = true;
    try {
      const page = readPage(
        await this.deps.get(`/api/messages?channel_id=${id}&limit=${PAGE_SIZE}`),
      );
      log.messages.value = withCursor(
        addLatestPage(log.messages.value, page.messages, PAGE_SIZE),
        page.cursor,
      );
      this.deps.paged(page.messages);
      if (this.deps.connected()) await this.catchUp(id);
    } catch (error) {
      log.started = false;
      if (error instanceof ApiError && error.status === 404) this.deps.missing(id);
      else this.deps.failed('The messages could not be loaded', error);
    }
  }

  /** What changed in channel `id` since its log's last listing. @throws ApiError */
  async catchUp(id: number): Promise<void> {
    const { get, logs, arrived } = this.deps;
    await catchUpMessages({ get, channelId: id, messages: logs.log(id).messages, arrived });
  }

  /** The page of channel `id`'s history before the oldest message held. */
  async older(id: number): Promise<void> {
    const log = this.deps.logs.log(id);
    const list = log.messages.value;
    if (log.loadingOlder.value || !list.loaded || list.complete || list.oldestId === undefined)
      return;
    log.loadingOlder.value = true;
    try {
      const path = `/api/messages?channel_id=${id}&before=${list.oldestId}&limit=${PAGE_SIZE}`;
      const page = readPage(await this.deps.get(path)).messages;
      log.messages.value = addOlderPage(log.messages.value, page, PAGE_SIZE);
      this.deps.paged(page);
    } catch (error) {
      this.deps.failed('Older messages could not be loaded', error);
    } finally {
      log.loadingOlder.value = false;
    }
  }
}
