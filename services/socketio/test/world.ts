import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import {
  connectEtcd,
  RevocationSet,
  TokenKeys,
  type Logger,
  type RunningService,
} from '@microflack/common';
import {
  nextEvent,
  silentLogger,
  TestPlatform,
  uniqueNickname,
  waitFor,
} from '@microflack/common/testing';
import { startTestPlatform, type TestBalancer } from '@microflack/haproxy/testing';
import { messagesDefinition, messagesEnv } from '@microflack/messages';
import { usersDefinition, usersEnv } from '@microflack/users';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/events.js';
import { socketioDefinition, socketioEnv, type SocketioConfig } from '../src/definition.js';
import { connections } from './chat-client.js';
import { startPathRouter, type PathRouter } from './router.js';

/** A typed chat client, as the browser app would hold it. */
export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

const userBody = z.object({ id: z.number(), nickname: z.string(), online: z.boolean() });

/** A registered user and a token for them. */
export interface TestUser {
  id: number;
  nickname: string;
  token: string;
  jti: string;
}

/**
 * One test file's chat: users and messages on fresh databases and socketio instances, on one
 * platform (so one Socket.IO channel and one set of Redis keys), reached through the platform's
 * load balancer — the test balancer of `startTestPlatform`, or a path router by default.
 */
export class ChatWorld {
  readonly socketio: RunningService[] = [];
  private readonly clients: ChatClient[] = [];
  readonly keys: TokenKeys;

  private constructor(
    private readonly platform: TestPlatform,
    readonly config: SocketioConfig,
  ) {
    this.keys = new TokenKeys(config.JWT_SECRET_KEY, config.TOKEN_TTL);
  }

  /**
   * Starts users and messages on `platform`; by default, a platform behind a path router.
   * `overrides` change the configuration of socketio alone (users and messages keep the
   * raised test limits, so registering many users from loopback still works).
   */
  static async create(
    platform?: TestPlatform,
    overrides: Record<string, string> = {},
  ): Promise<ChatWorld> {
    let router: PathRouter | undefined;
    if (platform === undefined) {
      const started = await startPathRouter();
      platform = new TestPlatform({ MF_BALANCER_URL: started.url });
      platform.onClose(() => started.close());
      router = started;
    }
    const drain = { MF_DRAIN_TIMEOUT: '5' };
    const world = new ChatWorld(
      platform,
      platform.configFor(socketioEnv, { ...drain, ...overrides }),
    );
    const users = await platform.start(
      usersDefinition(
        platform.configFor(usersEnv, {
          ...drain,
          DATABASE_URL: await platform.database(),
          BCRYPT_COST: '4',
        }),
      ),
    );
    const messages = await platform.start(
      messagesDefinition(
        platform.configFor(messagesEnv, { ...drain, DATABASE_URL: await platform.database() }),
      ),
    );
    router?.route('/api/users', users.url);
    router?.route('/api/messages', messages.url);
    router?.route('/api/channels', messages.url);
    // /api/channels answers only the signed-in: its 401 comes from messages.
    for (const [path, status] of [
      ['/api/users', 200],
      ['/api/messages', 200],
      ['/api/channels', 401],
    ] as const) {
      const url = `${world.config.MF_BALANCER_URL}${path}`;
      await waitFor(async () => (await fetch(url)).status === status, { what: `${path} routed` });
    }
    return world;
  }

  /** Starts one more socketio instance (logging to `logger` when given). */
  async startSocketio(logger: Logger = silentLogger()): Promise<RunningService> {
    const instance = await this.platform.start(socketioDefinition(this.config), logger);
    this.socketio.push(instance);
    return instance;
  }

  /** Registers a user through the API and signs a token for them with the shared key. */
  async register(stem = 'user'): Promise<TestUser> {
    const nickname = uniqueNickname(stem);
    const response = await fetch(`${this.config.MF_BALANCER_URL}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname, password: 'correct horse' }),
    });
    const { id } = userBody.parse(await response.json());
    const issued = this.keys.sign(id);
    return { id, nickname, token: issued.token, jti: issued.jti };
  }

  /**
   * Revokes the user's token as tokens would, and resolves once every socketio instance refuses
   * it (each learns through its own etcd watch).
   */
  async revoke(user: TestUser): Promise<string> {
    const etcd = connectEtcd(this.config);
    const revocations = await RevocationSet.start(etcd, this.config.MF_ETCD_PREFIX, silentLogger());
    await revocations.revoke(user.jti, Date.now() + 60_000);
    await revocations.close();
    etcd.close();
    for (const instance of this.socketio) {
      const probe = await this.client(instance.url);
      await waitFor(
        () =>
          new Promise<boolean>((resolve) =>
            probe.emit('ping_user', user.token, (ack) =>
              resolve('code' in ack && ack.code === 'revoked_token'),
            ),
          ),
        { what: 'the revocation to reach socketio' },
      );
      probe.close();
    }
    return user.token;
  }

  /** Whether users says `userId` is online. */
  async online(userId: number): Promise<boolean> {
    const response = await fetch(`${this.config.MF_BALANCER_URL}/api/users/${userId}`);
    return userBody.parse(await response.json()).online;
  }

  /** A client without event typing, to send what the typed map forbids. */
  async rawClient(url: string, token?: string): Promise<Socket> {
    const client = connect(url, {
      transports: ['websocket'],
      auth: token === undefined ? {} : { token },
      forceNew: true,
    });
    this.platform.onClose(() => client.close());
    await nextEvent(client, 'connect');
    return client;
  }

  /** A connected client of the instance (or balancer) at `url`. */
  async client(
    url: string,
    token?: string,
    options: { polling?: boolean; before?: (client: ChatClient) => void } = {},
  ): Promise<ChatClient> {
    const client: ChatClient = connect(url, {
      path: '/socket.io',
      transports: options.polling ? ['polling', 'websocket'] : ['websocket'],
      // Keeps the balancer's sticky cookie, as a browser would, so polling stays on one instance.
      withCredentials: true,
      auth: token === undefined ? {} : { token },
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      forceNew: true,
    });
    this.clients.push(client);
    options.before?.(client);
    await nextEvent(client, 'connect');
    return client;
  }

  /**
   * Connects clients through the balancer at `balancerUrl`, one at a time, until `instance` got
   * one; returns it. Which instance a client landed on shows in the instances' connection gauges.
   */
  async clientOn(
    balancerUrl: string,
    instance: RunningService,
    token?: string,
  ): Promise<ChatClient> {
    return waitFor(
      async () => {
        const before = await connections(instance);
        const client = await this.client(balancerUrl, token, { polling: true });
        return (await connections(instance)) > before ? client : undefined;
      },
      { timeoutMs: 15_000, what: 'a client on the instance' },
    );
  }

  /** Stops everything the world started and removes its traces. */
  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    // socketio first: its drain still calls users.
    await Promise.all(this.socketio.map((instance) => instance.stop()));
    await this.platform.close();
  }
}

/**
 * A chat behind its own test balancer (HAProxy and the watcher), with two socketio instances, for
 * the file's tests across instances: started before them, stopped after them.
 */
export function useTwoInstances() {
  let started:
    | { world: ChatWorld; balancer: TestBalancer; one: RunningService; two: RunningService }
    | undefined;
  beforeAll(async () => {
    const { platform, balancer } = await startTestPlatform();
    const world = await ChatWorld.create(platform);
    started = {
      world,
      balancer,
      one: await world.startSocketio(),
      two: await world.startSocketio(),
    };
  }, 60_000);
  afterAll(async () => started?.world.close()); // the balancer stops with the platform
  const get = () => {
    if (!started) throw new Error('the chat starts in beforeAll');
    return started;
  };
  return {
    world: () => get().world,
    balancer: () => get().balancer,
    one: () => get().one,
    two: () => get().two,
  };
}
