import { parentPort } from 'node:worker_threads';
import { renderMarkdown } from './render.js';

/** A job for the render thread: the source of one message. */
export interface RenderJob {
  id: number;
  source: string;
}

/** Its answer: the rendered, sanitised HTML. */
export interface RenderDone {
  id: number;
  html: string;
}

/** Told once the thread has loaded its modules: deadlines start then, not while it boots. */
export type RenderReady = 'ready';

// The entry of the render thread (render-thread.ts): one job at a time, in arrival order.
parentPort?.on('message', ({ id, source }: RenderJob) => {
  const done: RenderDone = { id, html: renderMarkdown(source) };
  parentPort?.postMessage(done);
});
const ready: RenderReady = 'ready';
parentPort?.postMessage(ready);
