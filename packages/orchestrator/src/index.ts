export { describeError, HTTP_STATUS, PublicError, publicError, toHttpError } from './api/errors.js';
export type { ApiHandler, ApiHandlers, ApiName, CallContext, Principal, RoutedName } from './api/handlers.js';
export { API_NAMES, ApiRouter, apiNameBySubject, type RouterResult } from './api/router.js';
export {
  ADMIN_USER,
  type BootstrapReport,
  bootstrapCredentials,
  CLI_TOKEN_NAME,
  resolveEncryptionKey,
  writeSecretFile,
} from './auth/bootstrap.js';
export { StoreAuthService, tokenHandlers } from './auth/store-auth.js';
export {
  BLOB_READ_CHUNK_BYTES,
  type BlobHandlers,
  type BlobHandlersOptions,
  blobHandlers,
  MAX_BLOB_BYTES,
} from './blobs/blob-handlers.js';
export { defaultOrchestratorConfig, type OrchestratorConfig } from './config.js';
export type { OrchestratorDeps } from './deps.js';
export { DesktopService, DesktopWorkersSeed } from './desktops/desktop-service.js';
export { HelpService } from './help/help-service.js';
export { createHttpApp, type HttpAppOptions } from './http/app.js';
export {
  type AuthService,
  type HttpEnv,
  isPublicRoute,
  type LoginResult,
  SESSION_COOKIE,
} from './http/auth.js';
export {
  BLOB_CACHE_CONTROL,
  BLOBS_PATH,
  type BlobRoutesOptions,
  blobRoutes,
} from './http/blob-routes.js';
export { connectHubToBus, type HubBusConnection, type HubBusOptions, type HubEvent } from './http/hub-bus.js';
export { buildOpenApiDocument, type OpenApiDocument } from './http/openapi.js';
export { REST_PREFIX, REST_ROUTES, type RestRoute } from './http/routes.js';
export { type HttpServerOptions, type RunningHttpServer, startHttpServer } from './http/server.js';
export { summarizeTaskEvent } from './http/task-summary.js';
export { type EventSink, type UpgradeHandler, WS_PATH, WsHub, type WsHubOptions } from './http/ws-hub.js';
export { OVERFLOW_CLOSE_CODE } from './http/ws-socket.js';
export type { ModuleContext, ModuleFactory, OrchestratorModule } from './module.js';
export { Orchestrator, type OrchestratorOptions } from './orchestrator.js';
export {
  type OrchestratorServer,
  type OrchestratorServerOptions,
  startOrchestratorServer,
} from './server.js';
export { desktopModule, helpModule, type ServerModules, serverModules } from './server-modules.js';
export type { NamedSweepStep, SweepStep } from './sweeper.js';
export { PARENT_ENDED, type TaskDraft, TaskLifecycle, type TaskOutcome } from './tasks/task-lifecycle.js';
