export { type Db, DbKind, parseRows, queryOne, queryRows, type Row } from './db.js';
export {
  ClosedError,
  ConflictError,
  CorruptValueError,
  NestedQueryError,
  NotFoundError,
  QueryError,
  StoreError,
  TransitionConflictError,
  TransitionConflictReason,
  UnavailableError,
} from './errors.js';
export {
  AppliedMigration,
  appliedMigrations,
  defaultMigrationsDir,
  loadMigrations,
  type MigrateOptions,
  type Migration,
  migrate,
} from './migrate.js';
export { openPgliteDb, type PgliteDbOptions } from './pglite-db.js';
export { openPostgresDb, type PostgresDbOptions } from './postgres-db.js';
export {
  MESSAGE_EVENT_TYPE,
  QuarantinedEventRecord,
  type RecordOutcome,
  TaskEventInput,
  TaskEventRecord,
  TaskEventsRepo,
} from './repos/task-events-repo.js';
export {
  FINISHED_STATUSES,
  NewTask,
  TASK_TRANSITIONS,
  TaskRecord,
  TaskStatus,
  TaskStatusSchema,
} from './repos/task-record.js';
export {
  type TaskListQuery,
  type TaskPage,
  type TaskPatch,
  TasksRepo,
  type TransitionExpectations,
  type TransitionOptions,
} from './repos/tasks-repo.js';
export { openStore, reposOn, type Store, type StoreOptions, type StoreRepos } from './store.js';
