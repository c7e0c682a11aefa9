// The REST baseline: a bare Express process answering one path with a fixed JSON body from
// memory, what a messages instance would answer without its database, auth and logging.
// Run as a child: argv[2] is the path, argv[3] the file holding the body; it sends its port.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import express from 'express';

const [, , path = '/', bodyFile = ''] = process.argv;
const body = readFileSync(bodyFile, 'utf8');
const app = express();
app.get(path, (_req, res) => {
  res.type('application/json').send(body);
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const address = server.address();
process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
process.on('disconnect', () => server.close());
