import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createServiceApp,
  HttpError,
  optionalToken,
  requireToken,
  tokenOf,
  TokenKeys,
  type TokenAuth,
} from '@microflack/common';
import { silentLogger } from '@microflack/common/testing';

const revoked = new Set<string>();
const auth: TokenAuth = { keys: new TokenKeys('test-secret-that-is-long-enough', 60), revoked };

const app = createServiceApp(silentLogger(), (app) => {
  app.post('/echo', (req, res) => {
    res.json({ received: req.body as unknown });
  });
  app.get('/teapot', () => {
    throw new HttpError(418, 'teapot', 'I am a teapot.', { 'Retry-After': '3' });
  });
  app.get('/bug', () => {
    throw new Error('secret internals');
  });
  app.get('/private', requireToken(auth), (req, res) => {
    res.json({ user: tokenOf(req).user_id });
  });
  app.get('/public', optionalToken(auth), (req, res) => {
    res.json({ user: req.token?.user_id ?? null });
  });
});

describe('createServiceApp', () => {
  it('when a body is over 16 KiB, then it answers 413 JSON', async () => {
    const response = await request(app)
      .post('/echo')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(17 * 1024) }));

    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      error: expect.any(String) as unknown,
      code: 'payload_too_large',
    });
  });

  it('when the JSON is malformed, then it answers 400 malformed_json', async () => {
    const response = await request(app)
      .post('/echo')
      .set('content-type', 'application/json')
      .send('{"a":');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'malformed_json' });
  });

  it('when the Content-Type is wrong, then the body is still parsed as JSON', async () => {
    const response = await request(app)
      .post('/echo')
      .set('content-type', 'text/plain')
      .send('{"a":1}');

    expect(response.body).toEqual({ received: { a: 1 } });
  });

  it('when the route is unknown, then it answers 404 JSON', async () => {
    const response = await request(app).get('/nowhere');

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'not_found' });
  });

  it('when a route throws an HttpError, then its status, code and headers are sent', async () => {
    const response = await request(app).get('/teapot');

    expect(response.status).toBe(418);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.body).toEqual({ error: 'I am a teapot.', code: 'teapot' });
  });

  it('when a route has a bug, then it answers 500 without the details', async () => {
    const response = await request(app).get('/bug');

    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('secret');
  });

  it('when X-Request-Id is given, then it is echoed; otherwise one is generated', async () => {
    const given = await request(app).get('/nowhere').set('x-request-id', 'abc-123');
    const generated = await request(app).get('/nowhere');

    expect(given.headers['x-request-id']).toBe('abc-123');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('token middleware', () => {
  it('when no token is sent to a protected route, then 401 with a Bearer challenge', async () => {
    const response = await request(app).get('/private');

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="microflack"');
    expect(response.body).toMatchObject({ code: 'token_required' });
  });

  it('when Basic credentials are sent to a Bearer route, then 401', async () => {
    const response = await request(app).get('/private').auth('ann', 'password1');

    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('when a valid token is sent, then the route sees its user', async () => {
    const response = await request(app)
      .get('/private')
      .auth(auth.keys.sign(42).token, { type: 'bearer' });

    expect(response.body).toEqual({ user: 42 });
  });

  it('when a revoked token is sent, then 401 revoked_token', async () => {
    const issued = auth.keys.sign(42);
    revoked.add(issued.jti);

    const response = await request(app).get('/private').auth(issued.token, { type: 'bearer' });

    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'revoked_token' });
  });

  it('when an optional route gets no token, then it runs anonymously; a bad token is 401', async () => {
    const anonymous = await request(app).get('/public');
    const bad = await request(app).get('/public').set('authorization', 'Bearer nonsense');

    expect(anonymous.body).toEqual({ user: null });
    expect(bad.status).toBe(401);
  });

  it('when the Authorization header is garbage, then 401, never 5xx', async () => {
    const response = await request(app).get('/public').set('authorization', 'Digest');

    expect(response.status).toBe(401);
  });
});
