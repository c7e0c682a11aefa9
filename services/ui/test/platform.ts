import { once } from 'node:events';
import { createServer } from 'node:http';
import { baseEnv, TokenKeys, type RunningService } from '@microflack/common';
import {
  testConfig,
  TestPlatform,
  uniqueNickname,
  uniquePrefix,
  waitFor,
} from '@microflack/common/testing';
import {
  startTestBalancer,
  startTestPlatform,
  type TestBalancer,
} from '@microflack/haproxy/testing';
import { messagesDefinition, messagesEnv } from '@microflack/messages';
import { socketioDefinition, socketioEnv } from '@microflack/socketio';
import { tokensDefinition, tokensEnv } from '@microflack/tokens';
import { usersDefinition, usersEnv } from '@microflack/users';
import { z } from 'zod';
import { PUBLIC_DIR } from '../src/build/client.js';
import { uiDefinition, uiEnv } from '../src/definition.js';
import { testCertificate } from './certificate.js';

const issued = z.object({ token: z.string(), expires_at: z.number() });
const created = z.object({ id: z.number() });

/** A person with an account, as the tests create them through the API. */
export interface Account {
  id: number;
  nickname: string;
  password: string;
}

/**
 * A whole MicroFlack for one test file, on the shared test platform (own etcd prefix, databases
 * and private HAProxy): users, tokens, messages, socketio and ui instances started in-process,
 * reached through the balancer as a browser reaches them.
 */
export class Platform {
  readonly socketio: RunningService[] = [];
  readonly started: RunningService[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  private constructor(
    private readonly platform: TestPlatform,
    readonly balancer: TestBalancer,
  ) {}

  /** The load balancer over HTTP: the API, as the tests call it. */
  get url(): string {
    return this.balancer.url;
  }

  /** The chat's address, as a person types it: over HTTPS when the platform has it. */
  get pageUrl(): string {
    return this.balancer.httpsUrl ?? this.balancer.url;
  }

  /**
   * Starts everything (two socketio instances unless told otherwise; HTTPS too when asked) and
   * waits until routed.
   */
  static async start(options: { socketio?: number; https?: boolean } = {}): Promise<Platform> {
    const overrides = { MF_DRAIN_TIMEOUT: '5' };
    const { platform: shared, balancer } = options.https
      ? await startHttpsPlatform(overrides)
      : await startTestPlatform(overrides);
    const platform = new Platform(shared, balancer);
    const usersDb = await shared.database();
    const messagesDb = await shared.database();
    await platform.start(
      usersDefinition(shared.configFor(usersEnv, { DATABASE_URL: usersDb, BCRYPT_COST: '4' })),
    );
    await platform.start(tokensDefinition(shared.configFor(tokensEnv)));
    // Link previews of pages the test serves on 127.0.0.1; the posting limit as in production
    // (the posting test spends it).
    const messagesConfig = shared.configFor(messagesEnv, {
      DATABASE_URL: messagesDb,
      PREVIEW_ALLOW_PRIVATE: '1',
      MF_RATE_LIMIT_SCALE: '1',
    });
    await platform.start(messagesDefinition(messagesConfig));
    for (let i = 0; i < (options.socketio ?? 2); i++) await platform.startSocketio();
    await platform.start(uiDefinition(shared.configFor(uiEnv, { UI_PUBLIC_DIR: PUBLIC_DIR })));
    await platform.routed();
    return platform;
  }

  private async start(definition: Parameters<TestPlatform['start']>[0]): Promise<RunningService> {
    const instance = await this.platform.start(definition);
    this.started.push(instance);
    return instance;
  }

  /** One more socketio instance. */
  async startSocketio(): Promise<RunningService> {
    const instance = await this.start(socketioDefinition(this.platform.configFor(socketioEnv)));
    this.socketio.push(instance);
    return instance;
  }

  /** Resolves once the balancer routes every service (each answers as it should). */
  private async routed(): Promise<void> {
    const checks: [string, string, number][] = [
      ['GET', '/api/users', 200],
      ['POST', '/api/tokens', 401],
      ['GET', '/api/messages', 200],
      ['GET', '/api/channels', 401],
      ['GET', '/socket.io/?EIO=4&transport=polling', 200],
      ['GET', '/', 200],
    ];
    for (const [method, path, status] of checks) {
      await waitFor(async () => (await fetch(`${this.url}${path}`, { method })).status === status, {
        timeoutMs: 15_000,
        what: `${method} ${path} to answer ${status} through the balancer`,
      });
    }
  }

  /** Registers a new account through the API. */
  async account(stem: string): Promise<Account> {
    const nickname = uniqueNickname(stem);
    const password = 'correct horse';
    const response = await this.api('POST', '/api/users', { body: { nickname, password } });
    return { id: created.parse(response).id, nickname, password };
  }

  /** A token for `account`, from tokens as a browser gets it. */
  async token(account: Account): Promise<string> {
    const basic = Buffer.from(`${account.nickname}:${account.password}`).toString('base64');
    const response = await this.api('POST', '/api/tokens', { authorization: `Basic ${basic}` });
    return issued.parse(response).token;
  }

  /** A token for `account` that expired a minute ago, signed with the platform's key. */
  expiredToken(account: Account): string {
    return new TokenKeys(this.platform.config.JWT_SECRET_KEY, -60).sign(account.id).token;
  }

  /** Posts a message through the API (not through a browser), in #general unless told. */
  async post(token: string, source: string, channelId?: number): Promise<number> {
    const response = await this.api('POST', '/api/messages', {
      authorization: `Bearer ${token}`,
      body: { source, channel_id: channelId },
    });
    return created.parse(response).id;
  }

  /** Posts a message through the API and returns the status, whatever it is. */
  async tryPost(token: string, source: string): Promise<number> {
    const response = await fetch(`${this.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Whether users says the account is online. */
  async online(account: Account): Promise<boolean> {
    const user = z
      .object({ online: z.boolean() })
      .parse(await this.api('GET', `/api/users/${account.id}`));
    return user.online;
  }

  /** The status of an authenticated `GET /api/users/me`. */
  async tokenStatus(token: string): Promise<number> {
    const response = await fetch(`${this.url}/api/users/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return response.status;
  }

  private async api(
    method: string,
    path: string,
    { authorization, body }: { authorization?: string; body?: unknown } = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization) headers['authorization'] = authorization;
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** Serves `html` on 127.0.0.1 until the platform closes; returns its URL. */
  async servePage(html: string): Promise<string> {
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(html),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.closers.push(() => new Promise((resolve) => server.close(resolve)));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
    return `http://127.0.0.1:${address.port}/page`;
  }

  /** How many Socket.IO connections an instance holds (its metrics say). */
  async connections(instance: RunningService): Promise<number> {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    return Number(/^socketio_connections\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
  }

  /** Stops one instance gracefully (as `mfkill` does). */
  async stop(service: RunningService): Promise<void> {
    await service.stop();
    this.started.splice(this.started.indexOf(service), 1);
    const index = this.socketio.indexOf(service);
    if (index >= 0) this.socketio.splice(index, 1);
  }

  /** Stops everything and removes every trace: registry, Redis keys, databases. */
  async close(): Promise<void> {
    for (const close of this.closers) this.platform.onClose(close);
    await this.platform.close();
  }
}

/**
 * Like haproxy's `startTestPlatform`, with an HTTPS listener on the test balancer too, presenting
 * a self-signed certificate with HSTS (no redirect: the tests call the API over HTTP).
 */
async function startHttpsPlatform(
  overrides: Record<string, string>,
): Promise<{ platform: TestPlatform; balancer: TestBalancer }> {
  const prefix = uniquePrefix();
  const { MF_ETCD_URL } = testConfig(baseEnv, { ...overrides, MF_ETCD_PREFIX: prefix });
  const certificate = await testCertificate();
  const balancer = await startTestBalancer({
    etcdUrl: MF_ETCD_URL,
    prefix,
    https: { certificate: certificate.pem, redirect: false, hstsMaxAgeSeconds: 600 },
  });
  const platform = new TestPlatform({
    ...overrides,
    MF_ETCD_PREFIX: prefix,
    MF_BALANCER_URL: balancer.url,
  });
  platform.onClose(async () => {
    await balancer.stop();
    await certificate.remove();
  });
  return { platform, balancer };
}
