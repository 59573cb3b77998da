import type { Context } from 'hono';
import { PublicError } from '../api/errors.js';

/** `application/json`, with or without parameters (`; charset=utf-8`). */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/**
 * The JSON body of a request: `undefined` when empty, `invalid_request` when it is not JSON. A body
 * must be sent as `application/json` (415 otherwise): forms and `text/plain` are what a page on
 * another site can send without a preflight, so refusing them keeps cross-site writes out.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) {
    throw new PublicError('invalid_request', 'request bodies must be sent as application/json', {
      httpStatus: 415,
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new PublicError('invalid_request', 'request body is not valid JSON');
  }
}

/** A JSON response of any (already validated) value. */
export function jsonResponse(c: Context, value: unknown, status: 200 | 201 = 200): Response {
  return c.body(JSON.stringify(value), status, { 'Content-Type': 'application/json; charset=UTF-8' });
}
