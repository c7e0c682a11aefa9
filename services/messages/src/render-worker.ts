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

/** Told once the thread has loaded and warmed up: deadlines start then, not while it boots. */
export type RenderReady = 'ready';

// The entry of the render thread (render-thread.ts): one job at a time, in arrival order.
parentPort?.on('message', ({ id, source }: RenderJob) => {
  const done: RenderDone = { id, html: renderMarkdown(source) };
  parentPort?.postMessage(done);
});
// The first render compiles marked's and the sanitiser's code paths: slow enough on a busy
// machine to miss a deadline, so it is done here, before any message waits on it.
renderMarkdown('**warm** _up_ ~~x~~ `y` [z](http://z.example)\n- a\n> b');
const ready: RenderReady = 'ready';
parentPort?.postMessage(ready);
