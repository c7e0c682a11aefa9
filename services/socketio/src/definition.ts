import { createAdapter } from '@socket.io/redis-adapter';
import {
  broadcastKey,
  droppingPublisher,
  limitsFor,
  readPackageVersion,
  type ServiceConfigRecord,
  type ServiceDefinition,
} from '@microflack/common';
import { ChatLimits } from './abuse-limits.js';
import { createApp } from './app.js';
import { ChatApi } from './chat-api.js';
import type { SocketioConfig } from './config.js';
import { countConnections } from './metrics.js';

export { socketioEnv, type SocketioConfig } from './config.js';
export type * from './events.js';

/** How the load balancer routes to socketio: sticky, so long-polling stays on one instance. */
export const socketioRoute: ServiceConfigRecord = {
  location: '/socket.io',
  balance: 'roundrobin',
  sticky: true,
};

/** The socketio service: Socket.IO on the Redis adapter, calling users and messages. */
export function socketioDefinition(config: SocketioConfig): ServiceDefinition<SocketioConfig> {
  return {
    name: 'socketio',
    version: readPackageVersion(new URL('../package.json', import.meta.url)),
    route: socketioRoute,
    config,
    async build(context) {
      const { auth, logger } = context;
      // The adapter needs a connection of its own for subscribing; the other publishes and
      // counts the per-user limits.
      const publisher = await context.redis();
      const subscriber = await context.redis();
      // The adapter publishes without handling failures: while Redis is away they are dropped.
      const adapter = createAdapter(droppingPublisher(publisher, logger), subscriber, {
        key: broadcastKey(config.MF_ETCD_PREFIX),
        requestsTimeout: 2000,
      });
      const parts = createApp({
        logger,
        auth,
        api: new ChatApi(context.client, logger),
        adapter,
        limits: new ChatLimits(limitsFor(publisher, config)),
      });
      countConnections(parts.io, context.metrics.registry);
      // While the subscriber was away this instance's sockets missed every broadcast: once it
      // is back they are told to catch up.
      let lost = false;
      subscriber.on('close', () => (lost = true));
      subscriber.on('ready', () => {
        if (lost) parts.io.local.emit('resync');
        lost = false;
      });
      // Runs before the Redis connections close (closers run last-registered first).
      context.onClose(() => parts.io.close());
      return parts;
    },
  };
}
