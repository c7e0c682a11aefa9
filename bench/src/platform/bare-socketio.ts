// The chat delivery baseline: one bare process with Express and Socket.IO, no Redis, no
// database, no auth, broadcasting every posted message to every socket as messages does.
// Run as a child: it sends its port over the IPC channel.
import { once } from 'node:events';
import { createServer } from 'node:http';
import express from 'express';
import { Server } from 'socket.io';

const app = express();
const server = createServer(app);
const io = new Server(server);
let id = 0;
app.post('/api/messages', express.json(), (req, res) => {
  const body = req.body as { source?: unknown };
  const now = Date.now();
  const model = { id: ++id, source: String(body.source), created_at: now, updated_at: now };
  io.emit('updated_model', { class: 'Message', model });
  res.status(201).json(model);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const address = server.address();
process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
process.on('disconnect', () => {
  void io.close();
});
