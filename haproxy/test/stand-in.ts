import {
  createServiceApp,
  startService,
  type BaseConfig,
  type RunningService,
  type ServiceConfigRecord,
} from '@microflack/common';
import { silentLogger } from '@microflack/common/testing';

/** What a stand-in answers on every path under its location. */
export interface StandInAnswer {
  service: string;
  port: number;
  method: string;
  path: string;
}

/**
 * Starts a real, registered instance of `name` through common's `startService` that answers
 * every request under its location with a {@link StandInAnswer}.
 */
export async function startStandIn(
  config: BaseConfig,
  name: string,
  route: Partial<ServiceConfigRecord> = {},
): Promise<RunningService> {
  const location = route.location ?? `/api/${name}`;
  return startService({
    name,
    version: '0.0.0',
    route: { location, balance: 'roundrobin', sticky: false, ...route },
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

/** The port of an instance, as its answers report it. */
export function portOf(service: RunningService): number {
  return Number(service.instance.address.split(':').pop());
}
