export { type Db, DbKind, parseRows, queryOne, queryRows, type Row } from './db.js';
export {
  ClosedError,
  ConfigKeyError,
  ConflictError,
  CorruptValueError,
  NestedQueryError,
  NotFoundError,
  QueryError,
  SecretDecryptError,
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
  AgentRecord,
  AgentRegistration,
  AgentSessionRecord,
  AgentsRepo,
  REREGISTERED_REASON,
  SessionOutcome,
} from './repos/agents-repo.js';
export {
  AuthRepo,
  type CreateTokenOptions,
  SessionRecord,
  TokenRecord,
  UserRecord,
} from './repos/auth-repo.js';
export {
  BlobChunk,
  BlobHashMismatchError,
  BlobSlice,
  BlobsRepo,
  MAX_BLOB_UPLOAD_CHUNKS,
  type PutChunkOptions,
  StoredBlob,
} from './repos/blobs-repo.js';
export {
  type DesktopCredentials,
  DesktopRecord,
  DesktopSeed,
  DesktopSource,
  DesktopSourceSchema,
  DesktopUpsert,
  endpointKey,
} from './repos/desktop-record.js';
export { DesktopsRepo, type DesktopUpsertResult } from './repos/desktops-repo.js';
export {
  type HelpRequestListQuery,
  HelpRequestsRepo,
  HelpResolution,
  NewHelpRequest,
  StoredHelpRequest,
} from './repos/help-requests-repo.js';
export { OutboxMessage, OutboxRecord, OutboxRepo } from './repos/outbox-repo.js';
export { SettingRecord, SettingsRepo } from './repos/settings-repo.js';
export {
  MESSAGE_EVENT_TYPE,
  QuarantinedEventRecord,
  type RecordOutcome,
  TaskEventInput,
  TaskEventRecord,
  TaskEventsRepo,
} from './repos/task-events-repo.js';
export {
  type ClaimedTask,
  type ClaimingAgent,
  QueuedTask,
  TaskQueueRepo,
} from './repos/task-queue-repo.js';
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
  type TaskSearchQuery,
  TasksRepo,
  type TransitionExpectations,
  type TransitionOptions,
  type WaitingOnGuard,
} from './repos/tasks-repo.js';
export {
  API_TOKEN_PREFIX,
  generateToken,
  hashPassword,
  hashToken,
  verifyPassword,
} from './secrets/hashing.js';
export {
  AT_REST_KEY_INFO,
  deriveKey,
  GUAC_KEY_INFO,
  generateEncryptionKey,
  KEY_BYTES,
  parseEncryptionKey,
  TICKET_KEY_INFO,
} from './secrets/keys.js';
export { SecretBox, type SecretBoxOptions } from './secrets/secret-box.js';
export {
  openStore,
  type ReposOptions,
  reposOn,
  type Store,
  type StoreOptions,
  type StoreRepos,
} from './store.js';
