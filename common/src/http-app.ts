import express from 'express';
import type { Logger } from 'pino';
import { errorHandler, notFound } from './errors.js';
import { requestLogging } from './logger.js';

/** The largest request body any service accepts (docs/api.md). */
export const BODY_LIMIT = '16kb';

/**
 * Builds a service's Express app the same way everywhere: request ids and logging, a JSON body
 * parser capped at 16 KiB, the service's routes, then the JSON 404 and the one error handler.
 */
export function createServiceApp(
  logger: Logger,
  mount: (app: express.Express) => void,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  app.use(requestLogging(logger));
  // Parse JSON whatever the declared type, so a wrong Content-Type still gets a clear 400/413.
  app.use(express.json({ limit: BODY_LIMIT, type: () => true, strict: true }));
  mount(app);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
