import type { z } from 'zod';
import { HttpError } from './errors.js';

/**
 * Parses request input (body, query or params) with `schema` at the edge of a route.
 * @throws HttpError 400 `invalid_input` whose message names each bad field.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  throw new HttpError(400, 'invalid_input', `Invalid input: ${problems.join('; ')}.`);
}
