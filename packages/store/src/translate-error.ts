import { ConflictError, QueryError, StoreError, UnavailableError } from './errors.js';

/** Node socket errors and SQLSTATE classes that mean "the database is not reachable right now". */
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

function field(err: object, key: string): string | undefined {
  const value: unknown = Reflect.get(err, key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Maps whatever a driver threw to a `StoreError`: unique violations to `ConflictError`, lost
 * connections to `UnavailableError`, other database errors to `QueryError` with their SQLSTATE.
 * Both drivers raise pg-protocol's `DatabaseError` shape (`code`, `constraint`, `detail`), so one
 * mapping serves both. Store errors pass through unchanged.
 */
export function translateDriverError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (typeof err !== 'object' || err === null) return new StoreError(String(err), { cause: err });
  const code = field(err, 'code');
  const message = field(err, 'message') ?? 'database error';
  if (code === '23505') {
    const constraint = field(err, 'constraint');
    return new ConflictError(`duplicate key${constraint ? ` (${constraint})` : ''}: ${message}`, {
      cause: err,
      constraint,
    });
  }
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (
    (code !== undefined && UNAVAILABLE_ERRNO.has(code)) ||
    (sqlState !== undefined && UNAVAILABLE_SQLSTATE.test(sqlState)) ||
    (sqlState === undefined && UNAVAILABLE_MESSAGE.test(message))
  ) {
    return new UnavailableError(`database unavailable: ${message}`, { cause: err });
  }
  return new QueryError(message, { cause: err, sqlState });
}
