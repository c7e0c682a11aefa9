import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import type { TestProject } from 'vitest/node';
import { findOrStartEngine } from './engine.js';
import { run } from './run.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const STATE_DIR = join(ROOT, '.mf', 'docker');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine's `DOCKER_HOST`. */
    dockerHost: string;
    /** The image variables `admin/mfimages --offline` wrote (MF_ETCD_IMAGE, …). */
    images: Record<string, string>;
  }
}

/** Seconds since `start`, for the figures the run prints (never asserted). */
const since = (start: number) => ((performance.now() - start) / 1000).toFixed(1);

/**
 * One engine and one image build for every test file: an engine that answers, else a dockerd
 * of our own (stopped at the end, by pid); then `admin/mfimages --offline` (cached: a warm run
 * takes seconds beyond `pnpm build`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const candidates = [process.env['DOCKER_HOST'], 'unix:///var/run/docker.sock'];
  candidates.push(`unix://${join(STATE_DIR, 'docker.sock')}`);
  const engine = await findOrStartEngine(
    candidates.filter((host): host is string => Boolean(host)),
    STATE_DIR,
  );
  try {
    const envFile = join(STATE_DIR, 'images.env');
    const start = performance.now();
    await run(join(ROOT, 'admin', 'mfimages'), ['--offline', '--env-file', envFile], {
      env: { DOCKER_HOST: engine.host },
      timeoutMs: 1_800_000,
    });
    console.info(`docker test: images built in ${since(start)} s`);
    const variables = parseEnv(await readFile(envFile, 'utf8'));
    const images = Object.fromEntries(
      Object.entries(variables).filter(
        (entry): entry is [string, string] => entry[0].endsWith('_IMAGE') && entry[1] !== undefined,
      ),
    );
    project.provide('dockerHost', engine.host);
    project.provide('images', images);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return () => engine.stop();
}
