import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryRows } from './db.js';
import { StoreError } from './errors.js';

/**
 * Where the `.sql` files are at run time. They live in `src/migrations/` and tsc does not copy them,
 * so: from source (vitest, tsx) they sit next to this module; from the compiled `dist/src/migrate.js`
 * they are found in the package's `src/migrations/` two levels up. The first folder that exists wins,
 * so a build step that copies them next to the compiled module also works. A bundler that moves this
 * module elsewhere must pass `dir`.
 */
export function defaultMigrationsDir(): string {
  const besideModule = fileURLToPath(new URL('./migrations/', import.meta.url));
  if (existsSync(besideModule)) return besideModule;
  return fileURLToPath(new URL('../../src/migrations/', import.meta.url));
}

/** One migration file: `NNNN_name.sql`, applied in order of `version`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A row of `schema_migrations`. */
export const AppliedMigration = z.object({
  version: z.number().int(),
  name: z.string(),
  applied_at: z.string(),
});
export type AppliedMigration = z.infer<typeof AppliedMigration>;

/** Options of `migrate`. */
export interface MigrateOptions {
  logger: Logger;
  /** Folder of `NNNN_name.sql` files. Default: `defaultMigrationsDir()`. */
  dir?: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Every process that migrates takes this transaction-scoped advisory lock first, so concurrent starts
 * against one PostgreSQL apply each migration once (the number spells "FIGARO" in ASCII).
 */
const LOCK = 'SELECT pg_advisory_xact_lock(77280542020175)';

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz(3) NOT NULL DEFAULT now()
)`;

/** Reads and orders the migration files of `dir`; other files are ignored, duplicate versions throw. */
export async function loadMigrations(dir: string = defaultMigrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => FILE_NAME.test(file)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const [, version, name] = FILE_NAME.exec(file) ?? [];
    if (version === undefined || name === undefined) continue;
    const previous = migrations.at(-1);
    if (previous?.version === Number(version)) {
      throw new StoreError(`two migrations share version ${version} in ${dir}`);
    }
    migrations.push({ version: Number(version), name, sql: await readFile(join(dir, file), 'utf8') });
  }
  return migrations;
}

/** The recorded migrations, in version order (empty before the first migration). */
export async function appliedMigrations(db: Db): Promise<AppliedMigration[]> {
  const [exists] = await db.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (exists?.present !== true) return [];
  return queryRows(
    db,
    AppliedMigration,
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    [],
    'migration',
  );
}

/**
 * Applies the pending migrations in version order, each in its own transaction under an advisory
 * lock, and records each in `schema_migrations (version, name, applied_at)`. Safe to run from several
 * processes at once; a migration another process applied meanwhile is skipped. Returns the versions
 * this call applied (empty when the schema was current). A failing migration rolls back entirely and
 * rejects with `StoreError`; a recorded version whose file has another name rejects before anything
 * runs.
 */
export async function migrate(db: Db, options: MigrateOptions): Promise<number[]> {
  const migrations = await loadMigrations(options.dir);
  const recorded = await db.tx(async (tx) => {
    await tx.query(LOCK);
    await tx.exec(CREATE_HISTORY);
    return appliedMigrations(tx);
  });
  const recordedNames = new Map(recorded.map((m) => [m.version, m.name]));
  for (const migration of migrations) {
    const name = recordedNames.get(migration.version);
    if (name !== undefined && name !== migration.name) {
      throw new StoreError(
        `migration ${migration.version} is recorded as "${name}" but the file is named "${migration.name}"`,
      );
    }
  }
  const known = new Set(migrations.map((m) => m.version));
  const unknown = recorded.filter((m) => !known.has(m.version)).map((m) => m.version);
  if (unknown.length > 0) {
    options.logger.warn(
      { versions: unknown },
      'the database has migrations this code does not know (newer code ran?)',
    );
  }

  const applied: number[] = [];
  for (const migration of migrations.filter((m) => !recordedNames.has(m.version))) {
    const ran = await db.tx(async (tx) => {
      await tx.query(LOCK);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.length > 0) return false;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        const label = `${String(migration.version).padStart(4, '0')}_${migration.name}`;
        throw new StoreError(
          `migration ${label} failed: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (ran) {
      applied.push(migration.version);
      options.logger.info({ version: migration.version, name: migration.name }, 'migration applied');
    }
  }
  return applied;
}
