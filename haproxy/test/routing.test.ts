import { describe, expect, it } from 'vitest';
import { registryKeys } from '@microflack/common';
import { portOf, waitFor, type StandInAnswer } from '@microflack/common/testing';
import { request, routedTo as routedToUrl, type Answer } from './http.js';
import { useStandInPlatform } from './stand-in-platform.js';

const { config, etcd, balancer, standIn } = useStandInPlatform();

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${balancer().url}${path}`, { headers });
}

/** Resolves once a request for `path` reaches the instance on `port`. */
function routedTo(path: string, port: number): Promise<void> {
  return routedToUrl(`${balancer().url}${path}`, port);
}

describe('routing', () => {
  it('when services claim locations, then each path goes to its service and the rest to ui', async () => {
    const [ui, users, tokens] = await Promise.all([
      standIn('ui', '/'),
      standIn('users', '/api/users'),
      standIn('tokens', '/api/tokens'),
    ]);
    await routedTo('/api/users', portOf(users));
    await routedTo('/api/tokens', portOf(tokens));
    await routedTo('/', portOf(ui));

    const answers = await Promise.all(
      ['/api/users/7', '/api/tokens', '/index.html'].map((path) => get(path)),
    );
    const unknown = await Promise.all(
      ['/api/usersx', '/api', '/api/nothing/here'].map((path) => get(path)),
    );

    expect(answers.map(({ body }) => (body as StandInAnswer).service)).toEqual([
      'users',
      'tokens',
      'ui',
    ]);
    for (const answer of unknown) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ error: 'There is no such API route.', code: 'not_found' });
    }
  });

  it('when a service has no live instance, then its paths answer 503 no_instances, never ui', async () => {
    await standIn('ui', '/');
    await etcd
      .put(registryKeys(config.MF_ETCD_PREFIX).serviceConfig('messages'))
      .value(JSON.stringify({ location: '/api/messages', balance: 'roundrobin', sticky: false }));

    await waitFor(async () => (await get('/api/messages')).status === 503, {
      what: 'messages to answer 503',
    });
    const response = await get('/api/messages/3');

    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({
      error: 'No instance of messages is available.',
      code: 'no_instances',
    });
  });

  it('when a request has no X-Request-Id, then HAProxy sets one, and a given one is kept', async () => {
    const probe = await standIn('probe');
    await routedTo('/api/probe', portOf(probe));

    const generated = await get('/api/probe');
    const given = await get('/api/probe', { 'x-request-id': 'abc-123' });

    expect(generated.headers['x-request-id']).toMatch(/^[\w.:-]{10,128}$/);
    expect(given.headers['x-request-id']).toBe('abc-123');
  });
});

describe('instances coming and going', () => {
  it('when a new instance registers, then it takes traffic', async () => {
    const first = await standIn('chat');
    await routedTo('/api/chat', portOf(first));

    const second = await standIn('chat');

    await routedTo('/api/chat', portOf(second));
  });

  it('when an instance stops, then it takes no more traffic and no request fails', async () => {
    const [a, b] = [await standIn('rooms'), await standIn('rooms')];
    await routedTo('/api/rooms', portOf(a));
    await routedTo('/api/rooms', portOf(b));

    await a.stop();
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('/api/rooms')));

    expect(answers.map(({ status }) => status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map(({ body }) => (body as StandInAnswer).port))).toEqual(
      new Set([portOf(b)]),
    );
  });
});
