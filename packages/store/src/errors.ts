import { type ErrorCode, FigaroError } from '@figaro/protocol';

/**
 * Base error of the store. `code` is the wire code a handler replies with (`internal` unless a
 * subclass says otherwise); `cause` keeps the driver's error for logs.
 */
export class StoreError extends FigaroError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'internal', message, { cause: options?.cause });
    this.name = 'StoreError';
  }
}

/**
 * The outer `Db` handle was used while a transaction opened on it was running in the same async
 * context. A bug in the caller: inside `tx(fn)` only the handle passed to `fn` may be used (PGlite
 * would deadlock, `pg` would silently run the statement outside the transaction).
 */
export class NestedQueryError extends StoreError {
  constructor() {
    super('the outer Db handle was used inside tx(fn); use the transaction handle passed to fn');
    this.name = 'NestedQueryError';
  }
}

/** A handle was used after `close()`, or a transaction handle after its transaction ended. */
export class ClosedError extends StoreError {
  constructor(what: string) {
    super(`${what} is closed`);
    this.name = 'ClosedError';
  }
}

/** The database cannot be reached (connection refused, dropped, server shutting down). */
export class UnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause, code: 'unavailable' });
    this.name = 'UnavailableError';
  }
}

/** SQLSTATEs that mean the statement's values, not the statement, are wrong. */
function isBadValue(sqlState: string | undefined): boolean {
  return sqlState !== undefined && (sqlState.startsWith('22') || sqlState === '54000');
}

/**
 * A statement failed in the database. `sqlState` is PostgreSQL's SQLSTATE (e.g. `23503`). Wire code
 * `invalid_request` for data exceptions (SQLSTATE class 22: a value the column type refuses, out of
 * range, malformed) and values too large for the database (54000, e.g. an index row or a tsvector past
 * its limit), `internal` otherwise.
 */
export class QueryError extends StoreError {
  readonly sqlState: string | undefined;
  constructor(message: string, options: { cause?: unknown; sqlState?: string | undefined }) {
    super(message, {
      cause: options.cause,
      code: isBadValue(options.sqlState) ? 'invalid_request' : 'internal',
    });
    this.name = 'QueryError';
    this.sqlState = options.sqlState;
  }
}

/**
 * The write conflicts with what is stored: a unique key is taken with different content, a guarded
 * update found another version. Wire code `conflict`.
 */
export class ConflictError extends StoreError {
  /** The violated constraint's name when the database reported one. */
  readonly constraint: string | undefined;
  constructor(message: string, options?: { cause?: unknown; constraint?: string | undefined }) {
    super(message, { cause: options?.cause, code: 'conflict' });
    this.name = 'ConflictError';
    this.constraint = options?.constraint;
  }
}

/** The row an update or lookup needs does not exist. Wire code `not_found`. */
export class NotFoundError extends StoreError {
  constructor(message: string) {
    super(message, { code: 'not_found' });
    this.name = 'NotFoundError';
  }
}

/**
 * A stored value cannot be represented as the store promises (an int8 beyond ±(2^53−1)), or a row
 * does not match its schema: a bug or a schema drift, never the caller's input.
 */
export class CorruptValueError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'CorruptValueError';
  }
}

/** Why a task transition was refused. */
export const TransitionConflictReason = {
  /** The task is finished (completed, failed, cancelled) and never changes again. */
  finished: 'finished',
  /** The status graph has no edge from the current status to the requested one. */
  illegal: 'illegal',
  /** The caller expected another current status. */
  status: 'status',
  /** The caller expected another version (optimistic concurrency). */
  version: 'version',
  /** The caller expected another attempt (an event of an older assignment). */
  attempt: 'attempt',
} as const;
export type TransitionConflictReason =
  (typeof TransitionConflictReason)[keyof typeof TransitionConflictReason];

/** A guarded task transition was refused; `current` is what the store held when it looked. */
export class TransitionConflictError extends ConflictError {
  readonly reason: TransitionConflictReason;
  readonly taskId: string;
  readonly current: { status: string; version: number; attempt: number };
  constructor(
    taskId: string,
    to: string,
    reason: TransitionConflictReason,
    current: { status: string; version: number; attempt: number },
  ) {
    super(
      `task ${taskId} cannot become ${to} (${reason}; it is ${current.status}, version ${current.version}, attempt ${current.attempt})`,
    );
    this.name = 'TransitionConflictError';
    this.reason = reason;
    this.taskId = taskId;
    this.current = current;
  }
}

/**
 * An encryption key is missing or malformed (config's fault). The message says what is expected and
 * never contains the key text it was given. Wire code `invalid_request`.
 */
export class ConfigKeyError extends StoreError {
  constructor(message: string) {
    super(message, { code: 'invalid_request' });
    this.name = 'ConfigKeyError';
  }
}

/**
 * A sealed secret cannot be opened: it was altered, sealed under a key that is not configured, sealed
 * for another endpoint, or is not a sealed value at all. The message carries no plaintext and no key
 * material (only the public key id, when there is one).
 */
export class SecretDecryptError extends StoreError {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptError';
  }
}
