import { Gauge, type Registry } from 'prom-client';
import type { ChatServer } from './chat.js';

/** Registers `socketio_connections`: the Socket.IO connections open on this instance. */
export function countConnections(io: ChatServer, registry: Registry): void {
  new Gauge({
    name: 'socketio_connections',
    help: 'Socket.IO connections open on this instance',
    registers: [registry],
    collect() {
      this.set(io.of('/').sockets.size);
    },
  });
}
