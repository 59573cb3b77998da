import { formatIssues } from '@figaro/protocol';
import type { z } from 'zod';
import { CorruptValueError } from './errors.js';

/**
 * One result row as the store returns it: column name → normalised value, identical on both drivers.
 * int8 → number (an error beyond ±(2^53−1)), numeric → exact decimal string, bytea → Buffer,
 * timestamp/timestamptz → UTC ISO string (`toISOString()` format, milliseconds), json/jsonb → parsed
 * value, uuid/date/interval → string, bool → boolean, int2/int4/float → number, arrays of these → arrays,
 * other types → their text. Callers parse rows (see `queryRows`) instead of casting them.
 */
export type Row = Record<string, unknown>;

/** Which driver a `Db` runs on. */
export const DbKind = { pglite: 'pglite', postgres: 'postgres' } as const;
export type DbKind = (typeof DbKind)[keyof typeof DbKind];

/**
 * The database seam over PGlite (embedded) and PostgreSQL (fleet). SQL must run on PostgreSQL 15.
 *
 * Rules both implementations enforce:
 * - Inside `tx(fn)` only the handle passed to `fn` may be used; using the outer handle from `fn`'s
 *   async context rejects with `NestedQueryError` (PGlite would deadlock, `pg` would run outside the
 *   transaction). Unrelated concurrent work on the outer handle is fine: PGlite queues it until the
 *   transaction ends, `pg` runs it on another pooled connection.
 * - Driver failures reject with `StoreError`s: `ConflictError` for unique violations,
 *   `UnavailableError` when the database cannot be reached, `QueryError` (with SQLSTATE) otherwise.
 */
export interface Db {
  readonly kind: DbKind;
  /**
   * Runs one statement with `$1…$n` parameters and returns its rows (empty for statements without
   * RETURNING). Parameters are sent as text: strings as is, numbers/bigints/booleans as their text,
   * `Date` as ISO, `Uint8Array`/`Buffer` as bytea, arrays as array literals (for array-typed
   * parameters), other objects as JSON, `null`/`undefined` as NULL. Pass `storableJson(value)` for a
   * json/jsonb parameter (needed when the value is an array). Text PostgreSQL refuses (raw NUL, lone
   * surrogates) is stored as U+FFFD, in strings and in objects; a string is never parsed as JSON, so
   * escapes in it stay as typed (see `stored-text.ts`).
   */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of one or more statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` in a transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws
   * (its error is rethrown unchanged). On a transaction handle, `tx` opens a SAVEPOINT. The handle
   * passed to `fn` is closed when `fn` settles.
   */
  tx<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Closes the pool or the PGlite instance; idempotent. Rejects on a transaction handle. */
  close(): Promise<void>;
}

/** Parses rows with a schema; a row that does not match is a `CorruptValueError` naming `what`. */
export function parseRows<S extends z.ZodType>(schema: S, rows: readonly Row[], what: string): z.output<S>[] {
  return rows.map((row) => {
    const result = schema.safeParse(row);
    if (!result.success) {
      throw new CorruptValueError(
        `stored ${what} does not match its schema: ${formatIssues(result.error.issues)}`,
      );
    }
    return result.data;
  });
}

/** Runs a query and parses every row with `schema`. */
export async function queryRows<S extends z.ZodType>(
  db: Db,
  schema: S,
  sql: string,
  params?: readonly unknown[],
  what = 'row',
): Promise<z.output<S>[]> {
  return parseRows(schema, await db.query(sql, params), what);
}

/** Runs a query and parses its first row with `schema`; `null` when there is none. */
export async function queryOne<S extends z.ZodType>(
  db: Db,
  schema: S,
  sql: string,
  params?: readonly unknown[],
  what = 'row',
): Promise<z.output<S> | null> {
  const [row] = await queryRows(db, schema, sql, params, what);
  return row ?? null;
}
