import type { ErrorBody, Limit, LimitRule, Verdict } from '@microflack/common';
import type { ClientToServerEvents } from './events.js';

/** An event the chat accepts from clients. */
export type ChatEvent = keyof ClientToServerEvents;

const CHAT_EVENTS: readonly ChatEvent[] = ['ping_user', 'post_message', 'typing'];

/**
 * The abuse limits of socketio (docs/events.md, limits). Per socket, counted in the instance's
 * memory (a socket lives on one instance); per user, counted in Redis across every instance and
 * every socket of the user.
 */
export const SOCKETIO_LIMIT_RULES = {
  perSocket: {
    ping_user: { name: 'socketio/socket/ping_user', points: 10, durationSeconds: 60, local: true },
    post_message: {
      name: 'socketio/socket/post_message',
      points: 20,
      durationSeconds: 2,
      local: true,
    },
    typing: { name: 'socketio/socket/typing', points: 10, durationSeconds: 10, local: true },
  },
  perUser: {
    ping_user: { name: 'socketio/user/ping_user', points: 30, durationSeconds: 60 },
    post_message: { name: 'socketio/user/post_message', points: 20, durationSeconds: 2 },
    // One notice per user per second is how the chat shows typing, not an abuse ceiling: tests
    // that raise the scale still see it.
    typing: { name: 'socketio/user/typing', points: 1, durationSeconds: 1, scaled: false },
  },
  /**
   * Every event a socket sends, known or not, refused or not: well past what the per-event
   * limits let through (about 120 per 10 s), so only a flood reaches it. Past it, the socket is
   * disconnected.
   */
  flood: { name: 'socketio/socket/flood', points: 300, durationSeconds: 10, local: true },
} satisfies {
  perSocket: Record<ChatEvent, LimitRule>;
  perUser: Record<ChatEvent, LimitRule>;
  flood: LimitRule;
};

/** What a socket's event may do: go ahead, be refused (acked or dropped), or end its socket. */
export type SocketVerdict = Verdict | { flood: true };

/** The ack error of a refused event. */
export function rateLimited(event: string, retryAfterSeconds: number): ErrorBody {
  return {
    error: `Too many ${event} events; try again in ${retryAfterSeconds} s.`,
    code: 'rate_limited',
  };
}

function isChatEvent(event: string): event is ChatEvent {
  return (CHAT_EVENTS as readonly string[]).includes(event);
}

/** The limits of {@link SOCKETIO_LIMIT_RULES}, by socket and by user. */
export class ChatLimits {
  private readonly perSocket: Record<ChatEvent, Limit>;
  private readonly perUser: Record<ChatEvent, Limit>;
  private readonly flood: Limit;

  /** @param make builds a limit from a rule (common's `limitsFor(redis, config)`). */
  constructor(make: (rule: LimitRule) => Limit) {
    const { perSocket, perUser, flood } = SOCKETIO_LIMIT_RULES;
    this.perSocket = {
      ping_user: make(perSocket.ping_user),
      post_message: make(perSocket.post_message),
      typing: make(perSocket.typing),
    };
    this.perUser = {
      ping_user: make(perUser.ping_user),
      post_message: make(perUser.post_message),
      typing: make(perUser.typing),
    };
    this.flood = make(flood);
  }

  /** Spends one `event` of the socket `socketId`: every event counts against the flood limit. */
  async bySocket(socketId: string, event: string): Promise<SocketVerdict> {
    if (!(await this.flood.take(socketId)).allowed) return { flood: true };
    return isChatEvent(event) ? this.perSocket[event].take(socketId) : { allowed: true };
  }

  /** Spends one `event` of `userId`'s, on whichever instance and socket it comes. */
  byUser(event: ChatEvent, userId: number): Promise<Verdict> {
    return this.perUser[event].take(`user:${userId}`);
  }
}
