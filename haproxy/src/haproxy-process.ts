import { chmod, mkdir, readFile } from 'node:fs/promises';
import { validateConfig, writePrivately } from './config-file.js';
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
  // Sockets, secrets and addresses: nobody else's business. Workers that dropped root must still
  // reach the peers socket (their own): traversable then, never listable.
  const mode = settings.runAs ? 0o711 : 0o700;
  await mkdir(paths.dir, { recursive: true, mode });
  await chmod(paths.dir, mode);
  const existing = await readFile(paths.config, 'utf8').catch(() => undefined);
  if (existing !== undefined && (await validateConfig(haproxy, paths.config)).valid) {
    await chmod(paths.config, 0o600); // written by an older version, maybe world-readable
    return;
  }
  const empty = { revision: '0', services: [], problems: [] };
  await writePrivately(paths.config, renderConfig(empty, settings));
}
