import { type Logger, silentLogger } from '@figaro/protocol';
import pg from 'pg';
import type { Db } from './db.js';
import { connectionSession, GuardedDb, type Session } from './guarded-db.js';
import { translateDriverError } from './translate-error.js';
import { parserFor } from './values.js';

/** Options of `openPostgresDb`. */
export interface PostgresDbOptions {
  /** Connection URL, `postgres://user:password@host:port/database`. */
  url: string;
  /** Maximum pooled connections. Default 10. */
  max?: number;
  /** Receives errors of idle pooled connections. Default: silent. */
  logger?: Logger;
}

/**
 * The pool's own type parsers (pg's global `types` stay untouched, so other pg users in the process
 * are not affected). Every type without a store parser stays text, as it does on PGlite.
 */
const uniformTypes: pg.CustomTypesConfig = {
  getTypeParser: (oid: number) => parserFor(oid),
};

/**
 * `query` always uses the extended protocol, as PGlite does, so that it takes exactly one statement
 * on both drivers (pg would otherwise send a parameterless query as a multi-statement simple query).
 * `queryMode` is a pg option its type definitions do not declare yet.
 */
function statement(sql: string, params: ReadonlyArray<string | null>): pg.QueryConfig {
  const config = { text: sql, values: [...params], queryMode: 'extended' };
  return config;
}

/**
 * Opens a `pg.Pool` on PostgreSQL (15 or newer) and checks that it answers. Sessions run with
 * `TimeZone=UTC` and `DateStyle=ISO` (set in the startup packet, so they override database and role
 * defaults). Rejects with `UnavailableError` when the server cannot be reached.
 */
export async function openPostgresDb(options: PostgresDbOptions): Promise<Db> {
  const logger = options.logger ?? silentLogger;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    types: uniformTypes,
    options: '-c TimeZone=UTC -c DateStyle=ISO',
    application_name: 'figaro',
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw translateDriverError(error);
  }

  const session: Session = {
    query: async (sql, params) => (await pool.query(statement(sql, params))).rows,
    exec: async (script) => {
      await pool.query(script);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(
          connectionSession({
            query: async (sql, params) => (await client.query(statement(sql, params))).rows,
            exec: async (script) => {
              await client.query(script);
            },
          }),
        );
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackError) {
          // A connection that cannot roll back must not return to the pool.
          client.release(rollbackError instanceof Error ? rollbackError : true);
        }
        throw error;
      }
    },
  };

  return new GuardedDb('postgres', session, { what: 'database', close: () => pool.end() });
}
