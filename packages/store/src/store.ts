import type { Logger } from '@figaro/protocol';
import type { Db, DbKind } from './db.js';
import { migrate } from './migrate.js';
import { openPgliteDb } from './pglite-db.js';
import { openPostgresDb } from './postgres-db.js';
import { AgentsRepo } from './repos/agents-repo.js';
import { AuthRepo } from './repos/auth-repo.js';
import { BlobsRepo } from './repos/blobs-repo.js';
import { DesktopsRepo } from './repos/desktops-repo.js';
import { HelpRequestsRepo } from './repos/help-requests-repo.js';
import { OutboxRepo } from './repos/outbox-repo.js';
import { SettingsRepo } from './repos/settings-repo.js';
import { TaskEventsRepo } from './repos/task-events-repo.js';
import { TaskQueueRepo } from './repos/task-queue-repo.js';
import { TasksRepo } from './repos/tasks-repo.js';
import type { SecretBox } from './secrets/secret-box.js';

/** The repositories over one `Db` handle (the store's own, or a transaction's). */
export interface StoreRepos {
  readonly db: Db;
  readonly tasks: TasksRepo;
  readonly taskEvents: TaskEventsRepo;
  /** The durable queue of tasks waiting for an agent. */
  readonly queue: TaskQueueRepo;
  readonly agents: AgentsRepo;
  readonly desktops: DesktopsRepo;
  readonly helpRequests: HelpRequestsRepo;
  readonly outbox: OutboxRepo;
  readonly auth: AuthRepo;
  readonly settings: SettingsRepo;
  readonly blobs: BlobsRepo;
}

/** What repositories need besides the `Db`. */
export interface ReposOptions {
  /** Seals desktop credentials. Without it, storing or reading one throws `ConfigKeyError`. */
  secrets?: SecretBox;
}

/** The opened, migrated store: repositories plus transactions spanning several of them. */
export interface Store extends StoreRepos {
  readonly kind: DbKind;
  /** Runs `fn` in one transaction with repositories bound to it (see `Db.tx`). */
  tx<T>(fn: (repos: StoreRepos) => Promise<T>): Promise<T>;
  /** Closes the database; idempotent. */
  close(): Promise<void>;
}

/** Options of `openStore`: which database, plus a logger. */
export type StoreOptions = (
  | {
      kind: 'pglite';
      /** PGlite data folder (one open instance per process). */
      dataDir: string;
    }
  | {
      kind: 'postgres';
      /** `postgres://…` URL. */
      url: string;
      /** Maximum pooled connections. Default 10. */
      max?: number;
    }
) & {
  logger: Logger;
  /** Folder of migration files. Default: the package's own (`defaultMigrationsDir()`). */
  migrationsDir?: string;
} & ReposOptions;

/** Repositories bound to `db`. */
export function reposOn(db: Db, options: ReposOptions = {}): StoreRepos {
  return {
    db,
    tasks: new TasksRepo(db),
    taskEvents: new TaskEventsRepo(db),
    queue: new TaskQueueRepo(db),
    agents: new AgentsRepo(db),
    desktops: new DesktopsRepo(db, options.secrets),
    helpRequests: new HelpRequestsRepo(db),
    outbox: new OutboxRepo(db),
    auth: new AuthRepo(db),
    settings: new SettingsRepo(db),
    blobs: new BlobsRepo(db),
  };
}

/**
 * Opens the database the options name and applies pending migrations (safe when several processes
 * start at once). Rejects with a `StoreError` (`UnavailableError` when PostgreSQL is unreachable) and
 * leaves nothing open when opening or migrating fails.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { logger } = options;
  const db =
    options.kind === 'pglite'
      ? await openPgliteDb({ dataDir: options.dataDir, logger })
      : await openPostgresDb({
          url: options.url,
          logger,
          ...(options.max !== undefined ? { max: options.max } : {}),
        });
  try {
    const applied = await migrate(db, {
      logger,
      ...(options.migrationsDir ? { dir: options.migrationsDir } : {}),
    });
    logger.info({ kind: db.kind, applied }, 'store ready');
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  const repos: ReposOptions = options.secrets ? { secrets: options.secrets } : {};
  if (options.secrets) {
    // Desktop secrets sealed before binding 2 are bound to their whole endpoint from now on.
    const resealed = await reposOn(db, repos)
      .desktops.resealLegacyCredentials()
      .catch((error: unknown) => {
        logger.warn(
          { err: error instanceof Error ? error.name : 'error' },
          'resealing desktop secrets failed',
        );
        return 0;
      });
    if (resealed > 0) logger.info({ resealed }, 'desktop secrets bound to their whole endpoint');
  }
  return {
    kind: db.kind,
    ...reposOn(db, repos),
    tx: (fn) => db.tx((tx) => fn(reposOn(tx, repos))),
    close: () => db.close(),
  };
}
