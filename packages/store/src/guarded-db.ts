import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, DbKind, Row } from './db.js';
import { ClosedError, NestedQueryError, StoreError } from './errors.js';
import { translateDriverError } from './translate-error.js';
import { encodeParam } from './values.js';

/**
 * What a driver supplies: statements on some connection, and transactions. `GuardedDb` adds the Db
 * rules (parameter encoding, error mapping, nested-use detection, closed handles) on top, so both
 * drivers behave the same by construction. Rows arrive already normalised by the driver's parsers.
 */
export interface Session {
  query(sql: string, params: ReadonlyArray<string | null>): Promise<Row[]>;
  exec(script: string): Promise<void>;
  /** Runs `fn` on one connection inside BEGIN…COMMIT (or a savepoint); rolls back when it throws. */
  transaction<T>(fn: (inner: Session) => Promise<T>): Promise<T>;
  /** Resolves once every statement already issued on this session has finished. */
  drain?(): Promise<void>;
}

/** The raw statements of one connection that is inside a transaction. */
export interface ConnectionOps {
  query(sql: string, params: ReadonlyArray<string | null>): Promise<Row[]>;
  exec(script: string): Promise<void>;
}

/**
 * Wraps one transaction's connection: statements run one at a time in call order (a driver's
 * transaction object must not interleave protocol messages), and `transaction` opens a savepoint.
 */
export function connectionSession(ops: ConnectionOps): Session {
  let chain: Promise<unknown> = Promise.resolve();
  let savepoints = 0;
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const run = chain.then(op, op);
    chain = run.catch(() => {});
    return run;
  };
  const session: Session = {
    query: (sql, params) => serial(() => ops.query(sql, params)),
    exec: (script) => serial(() => ops.exec(script)),
    async transaction(fn) {
      savepoints += 1;
      const name = `figaro_sp_${savepoints}`;
      await session.exec(`SAVEPOINT ${name}`);
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(session);
      } catch (error) {
        await session.exec(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {
          // The transaction is broken either way; the caller's error is the one worth reporting.
        });
        throw error;
      }
      await session.exec(`RELEASE SAVEPOINT ${name}`);
      return result;
    },
    drain: () => chain.then(() => {}),
  };
  return session;
}

/** One running `tx(fn)`: who opened it, and whether it is still running. */
interface TxMarker {
  readonly owner: GuardedDb;
  active: boolean;
}

/** The transactions the current async context is inside, innermost last. */
const txContext = new AsyncLocalStorage<readonly TxMarker[]>();

/** The `Db` implementation shared by both drivers; see `Db` for the rules it enforces. */
export class GuardedDb implements Db {
  readonly kind: DbKind;
  readonly #session: Session;
  readonly #what: 'database' | 'transaction';
  readonly #closeDriver: (() => Promise<void>) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    kind: DbKind,
    session: Session,
    options: { what: 'database' | 'transaction'; close?: () => Promise<void> },
  ) {
    this.kind = kind;
    this.#session = session;
    this.#what = options.what;
    this.#closeDriver = options.close;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.#check();
    const encoded = params.map(encodeParam);
    try {
      return await this.#session.query(sql, encoded);
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  async exec(script: string): Promise<void> {
    this.#check();
    try {
      await this.#session.exec(script);
    } catch (error) {
      throw translateDriverError(error);
    }
  }

  async tx<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#check();
    const marker: TxMarker = { owner: this, active: true };
    // Errors of fn pass through untouched; only the driver's own failures (BEGIN, COMMIT) are mapped.
    let fnFailure: { error: unknown } | undefined;
    try {
      return await this.#session.transaction(async (inner) => {
        const handle = new GuardedDb(this.kind, inner, { what: 'transaction' });
        try {
          const result = await txContext.run([...(txContext.getStore() ?? []), marker], () => fn(handle));
          // Statements fn issued without awaiting them must finish before COMMIT.
          await inner.drain?.();
          return result;
        } catch (error) {
          fnFailure = { error };
          throw error;
        } finally {
          handle.#closed = true;
        }
      });
    } catch (error) {
      if (fnFailure !== undefined && error === fnFailure.error) throw error;
      throw translateDriverError(error);
    } finally {
      marker.active = false;
    }
  }

  close(): Promise<void> {
    if (this.#closeDriver === undefined) {
      return Promise.reject(new StoreError('a transaction handle cannot be closed; return from tx(fn)'));
    }
    this.#closed = true;
    this.#closing ??= this.#closeDriver();
    return this.#closing;
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(this.#what);
    const open = txContext.getStore();
    if (open?.some((marker) => marker.owner === this && marker.active)) throw new NestedQueryError();
  }
}
