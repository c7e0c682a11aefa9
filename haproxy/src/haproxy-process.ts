import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { validateConfig } from './config-file.js';
import type { HaproxyPaths } from './config.js';
import { renderConfig, type RenderSettings } from './render.js';

/**
 * HAProxy's command line: master-worker mode (`-W`) with the master CLI (`-S`), which the watcher
 * reloads through. The master stays in the foreground so whoever starts it owns its pid. Pure.
 */
export function haproxyArgs(paths: HaproxyPaths): string[] {
  return ['-W', '-S', `${paths.masterSocket},mode,600`, '-f', paths.config, '-p', paths.pid];
}

/**
 * Makes sure `paths.config` holds a configuration HAProxy can start with: the last good one when
 * it is still valid (HAProxy restarts routing as it did), else one for an empty registry, where
 * every path answers 503 `no_instances` until the watcher renders the registry.
 */
export async function prepareConfig(
  haproxy: string,
  paths: HaproxyPaths,
  settings: RenderSettings,
): Promise<void> {
  await mkdir(paths.dir, { recursive: true });
  const existing = await readFile(paths.config, 'utf8').catch(() => undefined);
  if (existing !== undefined && (await validateConfig(haproxy, paths.config)).valid) return;
  const empty = { revision: '0', services: [], problems: [] };
  await writeFile(paths.config, renderConfig(empty, settings));
}
