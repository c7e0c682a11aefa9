import type { Logger } from 'pino';
import { unexpectedErrors } from './metrics.js';

/**
 * The process-level handler of what nothing else handled, counted in
 * `process_unexpected_errors_total{kind}`. An unhandled rejection is logged and the process
 * goes on: one failed promise is no reason to drop every request in flight. An uncaught
 * exception is logged, then `stop` runs and the process exits 1: after one, Node's state
 * cannot be trusted (docs/architecture.md, when a dependency goes away).
 */
export function guardProcess(logger: Logger, stop: () => Promise<unknown>): void {
  process.on('unhandledRejection', (reason) => {
    unexpectedErrors.inc({ kind: 'unhandled_rejection' });
    logger.error({ err: reason }, 'unhandled rejection');
  });
  process.on('uncaughtException', (error) => {
    unexpectedErrors.inc({ kind: 'uncaught_exception' });
    logger.fatal({ err: error }, 'uncaught exception; stopping');
    stop()
      .catch((failure: unknown) => logger.error({ err: failure }, 'stop failed'))
      .finally(() => process.exit(1));
  });
}

/**
 * On the first SIGTERM or SIGINT, runs `stop` and exits 0, or 1 when `stop` fails: the end of
 * every long-running MicroFlack process.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<unknown>): void {
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stop requested');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
