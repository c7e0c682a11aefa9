// The worker thread of startRequestLoop: runs the loop until told to stop, posts the result.
import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { runRequestLoop } from './request-loop.js';

const options = z
  .object({
    url: z.url(),
    concurrency: z.number().int().positive(),
    maxRequests: z.number().int().positive(),
    maxMs: z.number().positive(),
    postEvery: z.number().int().positive().optional(),
  })
  .parse(workerData);

if (parentPort) {
  const port = parentPort;
  const stopped = once(port, 'message').then(() => undefined);
  port.postMessage(await runRequestLoop(options, stopped, () => port.postMessage('warm')));
}
