import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  errorBody,
  REQUEST_ID_HEADER,
  ServiceUnavailableError,
  type ErrorBody,
  type Logger,
  type ServiceClient,
} from '@microflack/common';
import type { PostPayload } from './events.js';

/** The outcome of a call: the body on success, else the error to ack and its status. */
export type CallResult =
  { ok: true; body: unknown } | { ok: false; status: number; error: ErrorBody };

type Headers = Record<string, string>;

const userBody = z.object({ nickname: z.string() });

// The channels list of messages (docs/api.md, channels): only what the rooms need.
const channelList = z.object({
  channels: z.array(z.object({ id: z.number().int(), member: z.boolean() })),
});

const UNAVAILABLE: ErrorBody = {
  error: 'The service is unavailable; try again.',
  code: 'service_unavailable',
};

/**
 * The calls socketio makes to users and messages, through the load balancer with the socket's
 * token: each call gets its own request id so its log lines can be followed across services.
 */
export class ChatApi {
  constructor(
    private readonly client: ServiceClient,
    private readonly logger: Logger,
  ) {}

  private async call(
    method: string,
    path: string,
    expected: readonly number[],
    { token, json, extraHeaders = {} }: { token?: string; json?: unknown; extraHeaders?: Headers },
  ): Promise<CallResult> {
    const requestId = randomUUID();
    const headers: Headers = { ...extraHeaders, [REQUEST_ID_HEADER]: requestId };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    try {
      const response = await this.client.request(method, path, { headers, json });
      if (expected.includes(response.status)) return { ok: true, body: response.body };
      const parsed = errorBody.safeParse(response.body);
      const error = parsed.success
        ? parsed.data
        : { error: `Unexpected status ${response.status}.`, code: 'upstream_error' };
      return { ok: false, status: response.status, error };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError)) throw error;
      this.logger.warn({ requestId, method, path }, 'upstream unavailable');
      return { ok: false, status: 503, error: UNAVAILABLE };
    }
  }

  /** users `PUT /api/users/me`: the token's user is online. */
  markOnline(token: string): Promise<CallResult> {
    return this.call('PUT', '/api/users/me', [204], { token });
  }

  /** users `DELETE /api/users/me`: the token's user is offline. */
  markOffline(token: string): Promise<CallResult> {
    return this.call('DELETE', '/api/users/me', [204], { token });
  }

  /**
   * messages `POST /api/messages` in `channel_id` (none: #general); `client_id` is its
   * `Idempotency-Key`, so a retried post answers with the first message (200) instead of a second
   * copy (201).
   */
  postMessage(token: string, { source, channel_id, client_id }: PostPayload): Promise<CallResult> {
    const extraHeaders: Headers = client_id === undefined ? {} : { 'idempotency-key': client_id };
    return this.call('POST', '/api/messages', [200, 201], {
      token,
      json: channel_id === undefined ? { source } : { source, channel_id },
      extraHeaders,
    });
  }

  /**
   * messages `GET /api/channels`: the ids of the channels the token's user is a member of, or
   * undefined when they cannot be had (messages away, or older than channels).
   */
  async channelIds(token: string): Promise<number[] | undefined> {
    const result = await this.call('GET', '/api/channels', [200], { token });
    const list = result.ok ? channelList.safeParse(result.body) : undefined;
    if (!list?.success) return undefined;
    return list.data.channels.filter((channel) => channel.member).map((channel) => channel.id);
  }

  /** users `GET /api/users/:id`: the nickname, or undefined when it cannot be had. */
  async nickname(userId: number): Promise<string | undefined> {
    const result = await this.call('GET', `/api/users/${userId}`, [200], {});
    if (!result.ok) return undefined;
    const user = userBody.safeParse(result.body);
    return user.success ? user.data.nickname : undefined;
  }
}
