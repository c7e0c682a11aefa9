import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorBody, type RunningService } from '@microflack/common';
import { basic, portOf, randomAddress } from '@microflack/common/testing';
import { TOKENS_LIMIT_RULES } from '../src/definition.js';
import { TokensWorld } from './helpers.js';

let world: TokensWorld;
let stub: Server | undefined;

beforeAll(async () => {
  world = await TokensWorld.create();
});
afterAll(async () => world.close());
afterEach(() => {
  stub?.close();
  stub = undefined;
});

/** A tokens instance whose users always answers `status` with `body`; counts what it is asked. */
async function behindUsersAnswering(status: number, body: object) {
  const asked = { count: 0 };
  stub = createServer((_req, res) => {
    asked.count++;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  stub.listen(0, '127.0.0.1');
  await once(stub, 'listening');
  const tokens: RunningService = await world.start({
    MF_BALANCER_URL: `http://127.0.0.1:${portOf(stub)}`,
  });
  return { tokens, asked };
}

function issue(url: string, address: string) {
  return request(url)
    .post('/api/tokens')
    .set('x-forwarded-for', address)
    .set('authorization', basic('someone', 'password1'));
}

describe('sign-ins at tokens', () => {
  it('when one address floods sign-ins, then past its allowance they are 429 without asking users', async () => {
    const { points } = TOKENS_LIMIT_RULES.signIns;
    const { tokens, asked } = await behindUsersAnswering(401, {
      error: 'The nickname or the password is wrong.',
      code: 'wrong_credentials',
    });
    const attacker = randomAddress();

    const statuses = [];
    for (let attempt = 0; attempt < points + 5; attempt++) {
      statuses.push((await issue(tokens.url, attacker)).status);
    }
    const elsewhere = await issue(tokens.url, randomAddress());

    expect(statuses.slice(0, points).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(points)).toEqual([429, 429, 429, 429, 429]);
    expect(elsewhere.status).toBe(401);
    expect(asked.count).toBe(points + 1);
  });

  it('when users is busy with bcrypt work, then tokens answers 503 busy and asks it once, never again', async () => {
    const { tokens, asked } = await behindUsersAnswering(503, {
      error: 'Too many sign-ins and sign-ups at once; try again.',
      code: 'busy',
    });

    const response = await issue(tokens.url, randomAddress());

    expect(response.status).toBe(503);
    expect(errorBody.parse(response.body).code).toBe('busy');
    expect(response.headers['retry-after']).toBe('1');
    expect(asked.count).toBe(1);
  });
});
