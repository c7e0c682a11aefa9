// The browser baseline: a bare node:http server answering every request with one static HTML
// page from memory. Run as a child: argv[2] is the file holding the page; it sends its port.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [, , pageFile = ''] = process.argv;
const page = readFileSync(pageFile);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(page);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const address = server.address();
process.send?.(typeof address === 'object' && address !== null ? address.port : 0);
process.on('disconnect', () => server.close());
