import { resolve } from 'node:path';
import { type ParserOptions, PGlite, type QueryOptions, type SerializerOptions } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type Logger, silentLogger } from '@figaro/protocol';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { connectionSession, GuardedDb, type Session } from './guarded-db.js';
import { VALUE_PARSERS } from './values.js';

/** Options of `openPgliteDb`. */
export interface PgliteDbOptions {
  /** Folder holding the database files; created (initdb, 3–5 s) when empty, reopened (~0.3 s) otherwise. */
  dataDir: string;
  /** Receives open/close events. Default: silent. */
  logger?: Logger;
}

/** Data folders open in this process: a second instance on the same folder would corrupt it. */
const openDirs = new Set<string>();

/**
 * Query options that make PGlite return exactly what the `pg` driver returns: the store's parsers
 * for known types, text for every other type PGlite would otherwise parse, and parameters passed
 * through untouched (they are already encoded as text by `encodeParam`).
 */
function uniformQueryOptions(pg: PGlite): QueryOptions {
  const parsers: ParserOptions = {};
  for (const key of Object.keys(pg.parsers)) {
    const oid = Number(key);
    if (Number.isInteger(oid)) parsers[oid] = (text: string) => text;
  }
  for (const [oid, parse] of VALUE_PARSERS) parsers[oid] = parse;
  const serializers: SerializerOptions = {};
  for (const key of Object.keys(pg.serializers)) {
    const oid = Number(key);
    if (Number.isInteger(oid)) serializers[oid] = (value: string) => value;
  }
  return { parsers, serializers };
}

/**
 * Opens PGlite (PostgreSQL 18 in WebAssembly) on a data folder, with the pgvector extension loaded
 * (`CREATE EXTENSION vector` is left to the migration that needs it).
 *
 * One instance per process: each takes ~370 MB, and two instances on one folder would corrupt it,
 * so opening a folder that is already open in this process throws `StoreError`. Nothing prevents
 * another process from opening the same folder: the data folder belongs to one `figaro up`.
 */
export async function openPgliteDb(options: PgliteDbOptions): Promise<Db> {
  const logger = options.logger ?? silentLogger;
  const dataDir = resolve(options.dataDir);
  if (openDirs.has(dataDir))
    throw new StoreError(`PGlite data folder ${dataDir} is already open in this process`);
  openDirs.add(dataDir);
  let pg: PGlite;
  try {
    const started = Date.now();
    pg = await PGlite.create({ dataDir, extensions: { vector } });
    // The parsers expect ISO output; PGlite's defaults already are, this only pins them.
    await pg.exec("SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, MDY';");
    logger.info({ dataDir, ms: Date.now() - started }, 'PGlite opened');
  } catch (error) {
    openDirs.delete(dataDir);
    throw new StoreError(`cannot open PGlite in ${dataDir}`, { cause: error });
  }
  const queryOptions = uniformQueryOptions(pg);

  const session: Session = {
    query: async (sql, params) =>
      (await pg.query<Record<string, unknown>>(sql, [...params], queryOptions)).rows,
    exec: async (script) => {
      await pg.exec(script);
    },
    transaction: (fn) =>
      pg.transaction((tx) =>
        fn(
          connectionSession({
            query: async (sql, params) =>
              (await tx.query<Record<string, unknown>>(sql, [...params], queryOptions)).rows,
            exec: async (script) => {
              await tx.exec(script);
            },
          }),
        ),
      ),
  };

  return new GuardedDb('pglite', session, {
    what: 'database',
    close: async () => {
      try {
        await pg.close();
        logger.info({ dataDir }, 'PGlite closed');
      } finally {
        openDirs.delete(dataDir);
      }
    },
  });
}
