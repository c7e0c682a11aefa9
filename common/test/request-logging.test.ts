import { Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger, createServiceApp } from '@microflack/common';
import { basic, bearer } from '@microflack/common/testing';

/** An app whose log lines land in `lines`; its one route logs what a careless handler would. */
function loggedApp() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger('test', 'info', sink);
  const app = createServiceApp(logger, (app) => {
    app.post('/careless', (req, res) => {
      logger.info({ body: req.body as unknown, headers: req.headers }, 'careless handler');
      res.set('set-cookie', 'session=cookie-secret-value').json({ ok: true });
    });
  });
  return { app, lines };
}

describe('request logging', () => {
  it('when a request carries Basic, Bearer, cookies and a password body, then no secret reaches the log', async () => {
    const { app, lines } = loggedApp();

    await request(app)
      .post('/careless?token=query-secret-value')
      .set('authorization', basic('alice', 'basic-secret-password'))
      .set('cookie', 'io=cookie-secret-value')
      .send({ password: 'body-secret-password', current_password: 'old-secret-password' });
    await request(app)
      .post('/careless')
      .set('authorization', bearer('bearer-secret-token'))
      .send({ nested: { password: 'nested-secret-password' } });

    const log = lines.join('\n');
    const basicHeader = basic('alice', 'basic-secret-password').split(' ')[1] ?? '';
    for (const secret of ['secret', basicHeader, 'authorization', 'cookie-secret']) {
      expect(log).not.toContain(secret);
    }
    const completed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(completed.filter((line) => line['msg'] === 'request completed')).toEqual([
      expect.objectContaining({
        req: {
          id: expect.any(String) as unknown,
          method: 'POST',
          path: '/careless',
          ip: expect.any(String) as unknown,
        },
        res: { status: 200 },
        responseTime: expect.any(Number) as unknown,
      }),
      expect.anything(),
    ]);
  });

  it('when a caller logs a configuration or a pool with database and Redis URLs, then their passwords are left out', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('test', 'info', sink);

    logger.info({
      DATABASE_URL: 'postgres://users:db-secret-password@127.0.0.1:15432/users',
      config: { REDIS_URL: 'redis://:redis-secret-password@127.0.0.1:16379' },
      pool: { connectionString: 'postgres://users:pool-secret-password@127.0.0.1/users' },
    });

    expect(lines.join('')).not.toContain('secret');
  });

  it('when X-Request-Id is short and plain, then it is kept; when not, then it is replaced', async () => {
    const { app } = loggedApp();
    const ask = (id: string) => request(app).post('/careless').set('x-request-id', id).send({});

    const plain = await ask('abc-123_4.5');
    const long = await ask('a'.repeat(65));
    const forged = await ask('x" injected:"1');

    expect(plain.headers['x-request-id']).toBe('abc-123_4.5');
    expect(long.headers['x-request-id']).not.toBe('a'.repeat(65));
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
