// Channel fan-out: many Socket.IO clients, each the member of one private channel, while posts go
// into the channels at a fixed rate; next to the same clients all reading #general at the same
// total delivery volume (fewer posts, each reaching everyone). A post must reach only its
// channel's members: any message of another private channel a client receives is a leak.
import type { LocalPlatform } from '@microflack/admin/testing';
import { bearer, waitFor, type SignedInUser } from '@microflack/common/testing';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { openLoop } from '../open-loop.js';
import { benchUsers } from '../platform/platform.js';
import { percentile } from '../probes.js';
import { ratioOf, type Row } from './row.js';

/** The sizes and rate of one channels run. */
export interface ChannelsPlan {
  channels: number;
  clientsPerChannel: number;
  /** Posts per second into the channels, spread over them in turn. */
  postsPerSecond: number;
  durationMs: number;
}

/** #general's id: every user is in it, every client gets its messages. */
const GENERAL = 1;

/** One connected client and the channel its user belongs to. */
interface Member {
  socket: Socket;
  channelId: number;
}

/** What one run of posts measured at the clients. */
interface Delivery {
  perSecond: number;
  expected: number;
  delivered: number;
  /** Messages of a private channel received by a client whose user is not in it. */
  leaked: number;
  p50: number;
  p99: number;
}

const broadcast = z.looseObject({
  class: z.string(),
  model: z.looseObject({ source: z.string(), channel_id: z.number() }),
});
const created = z.looseObject({ id: z.number() });

/** `user`'s new private channel; resolves with its id. */
async function privateChannel(url: string, user: SignedInUser, name: string): Promise<number> {
  const response = await fetch(`${url}/api/channels`, {
    method: 'POST',
    headers: { authorization: bearer(user.token), 'content-type': 'application/json' },
    body: JSON.stringify({ name, private: true }),
  });
  if (response.status !== 201) throw new Error(`creating a channel answered ${response.status}`);
  return created.parse(await response.json()).id;
}

/** Connects `per` clients as each of `users`, fifty at a time (each lists its channels on connect). */
async function connectAll(url: string, users: SignedInUser[], per: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const pending = users.flatMap((user) => Array.from({ length: per }, () => user));
  while (pending.length > 0) {
    const batch = pending
      .splice(0, 50)
      .map((user) =>
        io(url, { transports: ['websocket'], auth: { token: user.token }, reconnection: false }),
      );
    await Promise.all(
      batch.map(
        (socket) =>
          new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve());
            socket.once('connect_error', reject);
          }),
      ),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/**
 * Posts at `rate` for `durationMs` with `post(source, n)` (which says whether it was created and
 * into which channel), and times each delivery at every member of that channel.
 */
async function deliver(
  members: Member[],
  rate: number,
  durationMs: number,
  post: (source: string, n: number) => Promise<{ ok: boolean; channelId: number }>,
): Promise<Delivery> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let leaked = 0;
  const listeners = members.map(({ socket, channelId }) => {
    const listener = (payload: unknown) => {
      const parsed = broadcast.safeParse(payload);
      if (!parsed.success || parsed.data.class !== 'Message') return;
      const { source, channel_id: channel } = parsed.data.model;
      const at = sentAt.get(source);
      if (at === undefined) return;
      if (channel === channelId || channel === GENERAL) latencies.push(performance.now() - at);
      else leaked++;
    };
    socket.on('updated_model', listener);
    return () => socket.off('updated_model', listener);
  });
  const reach = (channelId: number) =>
    channelId === GENERAL
      ? members.length
      : members.filter((m) => m.channelId === channelId).length;
  let expected = 0;
  let n = 0;
  await openLoop({
    rate,
    durationMs,
    send: async () => {
      const source = `channels bench ${process.pid} ${n} ${Math.random()}`;
      sentAt.set(source, performance.now());
      const { ok, channelId } = await post(source, n++);
      if (ok) expected += reach(channelId);
      return ok;
    },
  });
  // The last broadcasts are still on their way: a bounded wait, what is missing then is lost.
  await waitFor(() => latencies.length >= expected, { timeoutMs: 10_000, intervalMs: 20 }).catch(
    () => undefined,
  );
  listeners.forEach((off) => off());
  return {
    // Per second of posting: the two runs post for the same time.
    perSecond: (latencies.length * 1000) / durationMs,
    expected,
    delivered: latencies.length,
    leaked,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** Posts `source` as `user`, into `channelId`. */
async function postInto(url: string, user: SignedInUser, source: string, channelId: number) {
  const response = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { authorization: bearer(user.token), 'content-type': 'application/json' },
    body: JSON.stringify(channelId === GENERAL ? { source } : { source, channel_id: channelId }),
  });
  await response.arrayBuffer();
  return { ok: response.status === 201, channelId };
}

const shown = (d: Delivery) =>
  `${Math.round(d.perSecond)}/s, ${d.delivered}/${d.expected} delivered, ${d.leaked} leaked, ` +
  `p50 ${d.p50} / p99 ${d.p99} ms`;

/**
 * `plan.channels` private channels of one user each, `plan.clientsPerChannel` clients per user:
 * posts into the channels next to posts into #general at the same deliveries per second.
 */
export async function measureChannels(platform: LocalPlatform, plan: ChannelsPlan): Promise<Row> {
  const url = platform.balancer.url;
  const users = await benchUsers(url, plan.channels);
  const stem = Math.random().toString(36).slice(2, 8);
  const channelIds: number[] = [];
  for (const [n, user] of users.entries())
    channelIds.push(await privateChannel(url, user, `bench-${stem}-${n}`));
  const sockets = await connectAll(url, users, plan.clientsPerChannel);
  try {
    const members = sockets.map((socket, n) => ({
      socket,
      channelId: channelIds[Math.floor(n / plan.clientsPerChannel)] ?? GENERAL,
    }));
    /** The `n`th post's author and channel: the channels in turn. */
    const turn = (n: number) => {
      const k = n % users.length;
      const user = users[k];
      if (!user) throw new Error('no bench user');
      return { user, channelId: channelIds[k] ?? GENERAL };
    };
    const intoChannels = (source: string, n: number) => {
      const { user, channelId } = turn(n);
      return postInto(url, user, source, channelId);
    };
    // A first post in every channel warms what a first post costs; it is not counted.
    await deliver(
      members,
      plan.postsPerSecond,
      (1000 * users.length) / plan.postsPerSecond,
      intoChannels,
    );
    const inChannels = await deliver(members, plan.postsPerSecond, plan.durationMs, intoChannels);
    // The same deliveries per second when every post reaches every client.
    const generalRate = (plan.postsPerSecond * plan.clientsPerChannel) / sockets.length;
    const inGeneral = await deliver(members, generalRate, plan.durationMs, (source, n) =>
      postInto(url, turn(n).user, source, GENERAL),
    );
    return {
      scenario: 'channels',
      what:
        `${sockets.length} clients in ${plan.channels} private channels, ` +
        `${plan.postsPerSecond} posts/s vs all in #general at the same deliveries/s`,
      measured: shown(inChannels),
      baseline: shown(inGeneral),
      ratio: ratioOf(inChannels.p99, inGeneral.p99),
      target: 'all delivered, 0 leaked, deliveries/s and p99 within 1.5× of #general',
      data: {
        clients: sockets.length,
        channels: plan.channels,
        p99: inChannels.p99,
        generalP99: inGeneral.p99,
        perSecond: inChannels.perSecond,
        generalPerSecond: inGeneral.perSecond,
        leaked: inChannels.leaked,
      },
    };
  } finally {
    sockets.forEach((socket) => socket.close());
  }
}
