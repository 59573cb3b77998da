import { type ErrorCode, type ErrorReply, FigaroError, type Logger } from '@figaro/protocol';
import { StoreError } from '@figaro/store';

/** Longest error text a caller gets (schema messages may quote the caller's own keys). */
const MAX_ERROR_TEXT = 2_000;

/** What callers read for errors whose own text must stay inside the orchestrator. */
const GENERIC_TEXT: Record<ErrorCode, string> = {
  invalid_request: 'invalid request',
  unauthorized: 'authentication required',
  forbidden: 'forbidden',
  not_found: 'not found',
  conflict: 'the request conflicts with stored data',
  busy: 'busy, try again',
  timeout: 'timed out',
  unavailable: 'temporarily unavailable, try again',
  internal: 'internal error',
};

/** An error whose text is already fit for callers, with the HTTP status it answers (e.g. 415). */
export class PublicError extends FigaroError {
  readonly httpStatus: number | undefined;
  constructor(code: ErrorCode, message: string, options?: { httpStatus?: number }) {
    super(code, message);
    this.name = 'PublicError';
    this.httpStatus = options?.httpStatus;
  }
}

/** What a log line may say about a thrown value. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}

/**
 * Turns anything thrown into the `{error, code}` a caller gets, on every transport. The text of a
 * `FigaroError` raised by our own code is kept (it says what is wrong with the request); everything
 * else gets a generic text: errors that are not `FigaroError`s, `internal` ones, and store errors
 * that carry a driver's error (raw database text such as a unique constraint or an invalid byte
 * sequence). Those are logged (with `fields`), never shown.
 */
export function publicError(err: unknown, logger: Logger, fields: Record<string, unknown> = {}): ErrorReply {
  if (!(err instanceof FigaroError)) {
    logger.error({ ...fields, err: describeError(err) }, 'request failed');
    return { error: GENERIC_TEXT.internal, code: 'internal' };
  }
  const code = err.code;
  const raw = err instanceof StoreError && err.cause !== undefined;
  if (code === 'internal' || raw) {
    const level = code === 'internal' ? 'error' : 'warn';
    logger[level]({ ...fields, code, err: describeError(err) }, 'request failed');
    return { error: GENERIC_TEXT[code], code };
  }
  const text = err.message.length > MAX_ERROR_TEXT ? `${err.message.slice(0, MAX_ERROR_TEXT)}…` : err.message;
  return { error: text, code };
}

/** HTTP status of each wire error code. */
export const HTTP_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  busy: 409,
  timeout: 504,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;

/** The HTTP status of an error and its public reply. */
export function toHttpError(
  err: unknown,
  logger: Logger,
  fields: Record<string, unknown> = {},
): { status: number; body: ErrorReply } {
  const body = publicError(err, logger, fields);
  const status = err instanceof PublicError && err.httpStatus ? err.httpStatus : HTTP_STATUS[body.code];
  return { status, body };
}
