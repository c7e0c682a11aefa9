import { waitUntil } from '@microflack/common/registry';
import { balancerStatus, parseServerStatuses } from '../local/balancer-state.js';
import type { LocalSettings } from '../settings.js';
import type { DockerSettings } from './docker-settings.js';

/**
 * The load balancer's view of every server, by instance id, from its stats page (published on
 * 127.0.0.1:MF_STATS_PORT); empty when it does not answer.
 */
export async function statsStatuses(
  settings: LocalSettings,
  docker: DockerSettings,
): Promise<Map<string, string>> {
  const auth = docker.HAPROXY_STATS_AUTH;
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` }
    : {};
  try {
    const response = await fetch(`http://127.0.0.1:${settings.MF_STATS_PORT}/stats;csv`, {
      headers,
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return new Map();
    return parseServerStatuses(await response.text());
  } catch {
    return new Map();
  }
}

/** Resolves once the load balancer reports instance `id` UP, or fails at the deadline. */
export async function waitServing(
  settings: LocalSettings,
  docker: DockerSettings,
  id: string,
  timeoutMs: number,
): Promise<void> {
  await waitUntil(
    async () => balancerStatus((await statsStatuses(settings, docker)).get(id)) === 'UP',
    { what: `${id} to be UP in the load balancer`, timeoutMs, intervalMs: 50, maxIntervalMs: 250 },
  );
}
