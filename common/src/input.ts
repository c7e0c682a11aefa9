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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses JSON text (a registry value, an answer) against `schema`; never throws. */
export function parseJsonValue<T>(schema: z.ZodType<T>, text: string): z.ZodSafeParseResult<T> {
  return schema.safeParse(parseJson(text));
}

/** A zod error as one line: `field message; field message`. */
export function describeProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`)
    .join('; ');
}
