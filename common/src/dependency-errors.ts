import pg from 'pg';
import { HttpError } from './errors.js';

// Retry soon: a dependency that restarts is back within seconds.
const RETRY_SOON = { 'Retry-After': '1' } as const;

/** The 503 of a request that needs Redis while Redis is away. */
export function redisUnavailable(): HttpError {
  return new HttpError(
    503,
    'redis_unavailable',
    'A dependency of this service (Redis) is unavailable; try again shortly.',
    RETRY_SOON,
  );
}

/** The 503 of a request that needs the database while PostgreSQL is away. */
export function databaseUnavailable(): HttpError {
  return new HttpError(
    503,
    'database_unavailable',
    'The database is unavailable; try again shortly.',
    RETRY_SOON,
  );
}

// SQLSTATEs of a connection that failed or a server going away: class 08 (connection
// exception), 57P01-57P03 (shut down, crashed, starting), 53300 (too many connections).
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
// pg's own connection failures carry no SQLSTATE, only these messages.
const PG_CONNECTION_FAILURE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;
// The socket errors of a connection attempt; in a request only pg's pool connects on demand
// (ioredis reports its own through the messages below, the ServiceClient through its own type).
const SOCKET_FAILURE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// What ioredis rejects a command with while the server is away (see connectRedis's options).
const REDIS_FAILURE =
  /^(Stream isn't writeable and enableOfflineQueue options is false|Command timed out|Connection is closed\.|Reached the max retries per request limit)/;

function codeOf(error: Error): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Whether `error` says PostgreSQL could not be reached or went away mid-query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof pg.DatabaseError) return UNAVAILABLE_SQLSTATE.test(error.code ?? '');
  return PG_CONNECTION_FAILURE.test(error.message) || SOCKET_FAILURE.has(codeOf(error) ?? '');
}

/** Whether `error` is ioredis saying Redis could not be reached. */
export function isRedisUnavailable(error: unknown): boolean {
  return error instanceof Error && REDIS_FAILURE.test(error.message);
}

/**
 * The 503 for an error that only says a dependency is away (docs/architecture.md, when a
 * dependency goes away), or undefined for any other error.
 */
export function dependencyFailure(error: unknown): HttpError | undefined {
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  if (isRedisUnavailable(error)) return redisUnavailable();
  return undefined;
}
