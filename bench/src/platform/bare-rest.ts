// The REST baseline: a bare Express process answering a GET of one path with a fixed JSON body
// from memory, and a POST there by echoing the posted source as a new message: what a messages
// instance would answer without its database, auth, limits and logging.
// Run as a child: argv[2] is the path, argv[3] the file holding the GET's body; it sends its port.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import express from 'express';
import { z } from 'zod';

const [, , path = '/', bodyFile = ''] = process.argv;
const body = readFileSync(bodyFile, 'utf8');
const posted = z.object({ source: z.string() });
let id = 0;
const app = express();
app.get(path, (_req, res) => {
  res.type('application/json').send(body);
});
app.post(path, express.json(), (req, res) => {
  const { source } = posted.parse(req.body);
  const now = Date.now();
  const message = { id: ++id, source, user_id: 1, created_at: now, updated_at: now };
  res.status(201).location(`${path}/${message.id}`).json(message);
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const address = server.address();
process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
process.on('disconnect', () => server.close());
