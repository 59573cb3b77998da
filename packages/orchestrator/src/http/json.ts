import { FigaroError } from '@figaro/protocol';
import type { Context } from 'hono';

/** The JSON body of a request: `undefined` when empty, `invalid_request` when it is not JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new FigaroError('invalid_request', 'request body is not valid JSON');
  }
}

/** A JSON response of any (already validated) value. */
export function jsonResponse(c: Context, value: unknown, status: 200 | 201 = 200): Response {
  return c.body(JSON.stringify(value), status, { 'Content-Type': 'application/json; charset=UTF-8' });
}
