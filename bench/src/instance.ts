// A stand-in service process for the benchmarks: answers where it is routed with its port, and
// starts, registers, drains and stops exactly like every service (common's runService).
import { baseEnv, configOrExit, createServiceApp, runService } from '@microflack/common';
import { z } from 'zod';

const config = configOrExit({
  ...baseEnv,
  BENCH_SERVICE: z
    .string()
    .regex(/^[a-z]+$/)
    .default('bench'),
});
const name = config.BENCH_SERVICE;
await runService({
  name,
  version: '0.0.0',
  route: { location: `/api/${name}`, balance: 'roundrobin', sticky: false },
  config,
  build: ({ logger }) => ({
    app: createServiceApp(logger, (app) => {
      app.all(/.*/, (req, res) => {
        res.json({ port: req.socket.localPort });
      });
    }),
  }),
});
