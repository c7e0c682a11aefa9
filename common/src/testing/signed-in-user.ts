import { z } from 'zod';
import { backOff } from '../backoff.js';
import { basic, uniqueNickname } from './credentials.js';

const tokenAnswer = z.looseObject({ token: z.string() });
const userAnswer = z.looseObject({ id: z.number() });

/** A user registered and signed in through the load balancer. */
export interface SignedInUser {
  nickname: string;
  password: string;
  token: string;
}

/**
 * `send`'s answer, sent again with backoff while it is a 503: the platform saying "not now"
 * (bcrypt at its per-instance cap on a loaded machine), which a polite client retries.
 */
async function politely(send: () => Promise<Response>): Promise<Response> {
  let answer = await send();
  for (let attempt = 0; answer.status === 503 && attempt < 6; attempt++) {
    await answer.body?.cancel();
    await backOff(attempt, { baseMs: 200, maxMs: 2000 });
    answer = await send();
  }
  return answer;
}

/**
 * Registers a fresh user through the load balancer at `url` and signs it in.
 * @throws when registration is not a 201 or sign-in not a 200.
 */
export async function signedInUser(url: string, stem = 'load'): Promise<SignedInUser> {
  const nickname = uniqueNickname(stem);
  const password = `pw-${nickname}`;
  const registered = await politely(() =>
    fetch(`${url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname, password }),
    }),
  );
  if (registered.status !== 201)
    throw new Error(`registration answered ${registered.status} ${await registered.text()}`);
  userAnswer.parse(await registered.json());
  const signedIn = await politely(() =>
    fetch(`${url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: basic(nickname, password) },
    }),
  );
  if (signedIn.status !== 200)
    throw new Error(`sign-in answered ${signedIn.status} ${await signedIn.text()}`);
  return { nickname, password, token: tokenAnswer.parse(await signedIn.json()).token };
}
