import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Errors nothing handled (unhandled rejections, uncaught exceptions), counted by the process
 * guard of `runService`: one counter per process, shown by every registry of the process.
 */
export const unexpectedErrors = new Counter({
  name: 'process_unexpected_errors_total',
  help: 'Unhandled promise rejections and uncaught exceptions, by kind',
  labelNames: ['kind'] as const,
  registers: [],
});

/** The process's Prometheus registry and the HTTP instruments every service has. */
export interface Metrics {
  registry: Registry;
  /** Middleware that counts and times every request by route and status. */
  track: RequestHandler;
}

/** Creates the metrics of one process: default Node metrics (event-loop lag included) plus HTTP. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  registry.registerMetric(unexpectedErrors);
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const track: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, not the URL, keeps label cardinality bounded.
      const matched = req.route as { path: string } | undefined;
      const route = matched ? `${req.baseUrl}${matched.path}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };
  return { registry, track };
}
