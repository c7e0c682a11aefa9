import { Worker } from 'node:worker_threads';
import { plainText } from './render.js';
import type { RenderDone, RenderJob, RenderReady } from './render-worker.js';

/** Bounds of the render thread. */
export interface RenderLimits {
  /** From a render's request to its answer, waiting behind others included (not the boot). */
  deadlineMs: number;
  /** Renders waiting at most; past it a message is shown as plain text at once. */
  maxPending: number;
}

/**
 * 2 s per message (within the shape limits the costliest 4,000 characters take ~80 ms; the margin
 * is for a machine short of CPU), 64 waiting at most.
 */
export const RENDER_LIMITS: RenderLimits = { deadlineMs: 2000, maxPending: 64 };

// vitest runs the TypeScript sources, but a worker runs JavaScript: always the compiled entry
// (`tsc -b` builds it before the tests run).
const WORKER_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../dist/render-worker.js' : './render-worker.js',
  import.meta.url,
);

interface Pending {
  source: string;
  resolve(html: string): void;
  /** Set once the job is sent to a thread that is ready. */
  timer?: NodeJS.Timeout;
}

/**
 * Renders Markdown on a worker thread, so no message can hold up the event loop: a render that
 * misses its deadline ends the thread (a fresh one starts with the next message) and every
 * render waiting on it answers the source as plain text. An idle thread does not keep the
 * process alive.
 */
export class RenderThread {
  private worker: Worker | undefined;
  private ready = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly limits: RenderLimits = RENDER_LIMITS,
    private readonly spawn: () => Worker = () => new Worker(WORKER_ENTRY),
  ) {}

  /** The sanitised HTML of `source` (docs/api.md); plain text past the deadline or the queue. */
  render(source: string): Promise<string> {
    if (this.pending.size >= this.limits.maxPending) return Promise.resolve(plainText(source));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { source, resolve });
      if (this.ready) this.send(id);
      else this.start();
      // Held while renders wait (a script awaiting one must not exit), let go when idle.
      this.worker?.ref();
    });
  }

  /** Ends the thread; renders still waiting answer plain text. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.giveUp();
    await worker?.terminate();
  }

  private start(): void {
    if (this.worker) return;
    const worker = this.spawn();
    worker.on('message', (message: RenderDone | RenderReady) => {
      if (message !== 'ready') this.settle(message.id, message.html);
      else if (this.worker === worker) this.started();
    });
    // A thread that fails or exits takes its waiting renders with it: they answer plain text.
    worker.on('error', () => this.worker === worker && this.giveUp());
    worker.on('exit', () => this.worker === worker && this.giveUp());
    this.worker = worker;
  }

  private started(): void {
    this.ready = true;
    for (const id of this.pending.keys()) this.send(id);
  }

  private send(id: number): void {
    const job = this.pending.get(id);
    if (!job || !this.worker) return;
    job.timer = setTimeout(() => this.restart(), this.limits.deadlineMs);
    const message: RenderJob = { id, source: job.source };
    this.worker.postMessage(message);
  }

  private settle(id: number, html: string): void {
    const job = this.pending.get(id);
    if (!job) return;
    clearTimeout(job.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    job.resolve(html);
  }

  private restart(): void {
    const worker = this.worker;
    this.giveUp();
    void worker?.terminate();
  }

  private giveUp(): void {
    this.worker = undefined;
    this.ready = false;
    for (const [id, job] of this.pending) this.settle(id, plainText(job.source));
  }
}

const shared = new RenderThread();

/** Renders a message's source on the process's render thread (started with the first message). */
export function renderMessage(source: string): Promise<string> {
  return shared.render(source);
}
