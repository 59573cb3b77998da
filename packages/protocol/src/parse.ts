import type { z } from 'zod';
import { InvalidRequestError } from './errors.js';

/**
 * Parses outside data with a schema and throws an `InvalidRequestError` naming every bad field.
 * `what` names the thing being parsed in the message ("figaro.api.tasks.create request").
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidRequestError(what, result.error.issues);
  return result.data;
}
