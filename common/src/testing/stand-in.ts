import type { BaseConfig } from '../config.js';
import { createServiceApp } from '../http-app.js';
import { startService, type RunningService } from '../lifecycle.js';
import type { ServiceConfigRecord } from '../registry-records.js';
import { silentLogger } from './config.js';

/** What a stand-in answers on every path under its location. */
export interface StandInAnswer {
  service: string;
  port: number;
  method: string;
  path: string;
}

/**
 * Starts a stand-in instance of `name`: a real instance, through common's `startService` (so it
 * registers, drains and stops like every service), that answers every request under its location
 * with a {@link StandInAnswer}. Starting one takes a few milliseconds.
 */
export function startStandIn(
  config: BaseConfig,
  name: string,
  route: Partial<ServiceConfigRecord> = {},
): Promise<RunningService> {
  return startService({
    name,
    version: '0.0.0',
    route: { location: `/api/${name}`, balance: 'roundrobin', sticky: false, ...route },
    config,
    logger: silentLogger(),
    build: ({ logger }) => ({
      app: createServiceApp(logger, (app) => {
        app.all(/.*/, (req, res) => {
          const answer: StandInAnswer = {
            service: name,
            port: req.socket.localPort ?? 0,
            method: req.method,
            path: req.path,
          };
          res.json(answer);
        });
      }),
    }),
  });
}

/**
 * `count` stand-ins of `service` start one after another, each followed by the graceful stop of
 * the previous one: `2 × count` back-to-back registry changes, registrations and deregistrations
 * interleaved. Resolves when the last one has stopped.
 */
export async function churnRegistrations(
  config: BaseConfig,
  service: string,
  count: number,
): Promise<void> {
  const stops: Promise<void>[] = [];
  let previous: RunningService | undefined;
  for (let i = 0; i < count; i++) {
    const next = await startStandIn(config, service);
    if (previous) stops.push(previous.stop());
    previous = next;
  }
  if (previous) stops.push(previous.stop());
  await Promise.all(stops);
}
