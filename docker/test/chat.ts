import { io } from 'socket.io-client';
import { expect } from 'vitest';
import { z } from 'zod';
import { bearer, nextEvent, signedInUser, type ChatLoadResult } from '@microflack/common/testing';

const message = z.looseObject({ id: z.number(), source: z.string() });
const update = z.looseObject({ model: message });

/**
 * Through the load balancer at `url`: registers and signs in a user, posts a message and
 * resolves once a Socket.IO client of that user received it (bounded by the test's timeout).
 */
export async function chatRoundTrip(url: string, source: string): Promise<void> {
  const userToken = (await signedInUser(url, 'docker')).token;
  const socket = io(url, { auth: { token: userToken } });
  try {
    await nextEvent(socket, 'connect');
    const received = new Promise<void>((resolve) => {
      socket.on('updated_model', (payload: unknown) => {
        if (update.safeParse(payload).data?.model.source === source) resolve();
      });
    });
    const posted = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { authorization: bearer(userToken), 'content-type': 'application/json' },
      body: JSON.stringify({ source }),
    });
    expect(posted.status).toBe(201);
    await received;
  } finally {
    socket.close();
  }
}

/** Whether `url` answers 200. */
export async function answers(url: string): Promise<boolean> {
  const response = await fetch(url).catch(() => undefined);
  return response?.status === 200;
}

/** Seconds since `start`, for the figures the run prints (never asserted). */
export const since = (start: number) => ((performance.now() - start) / 1000).toFixed(1);

/** A chat load saw no failed request, no lost and no duplicated message, and posted some. */
export function expectNothingLost(result: ChatLoadResult): void {
  expect(result.failures).toEqual([]);
  expect(result.reads.failures).toEqual([]);
  expect(result.posted).toBeGreaterThan(0);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
}
