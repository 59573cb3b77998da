export type { ApiHandler, ApiHandlers, ApiName, CallContext, Principal } from './api/handlers.js';
export {
  ADMIN_USER,
  type BootstrapReport,
  bootstrapCredentials,
  CLI_TOKEN_NAME,
  resolveEncryptionKey,
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
export { apiNameBySubject, callApi, HTTP_STATUS, toHttpError } from './http/dispatch.js';
export { connectHubToBus, type HubBusConnection, type HubBusOptions, type HubEvent } from './http/hub-bus.js';
export { buildOpenApiDocument, type OpenApiDocument } from './http/openapi.js';
export { REST_PREFIX, REST_ROUTES, type RestRoute } from './http/routes.js';
export { type HttpServerOptions, type RunningHttpServer, startHttpServer } from './http/server.js';
export { summarizeTaskEvent } from './http/task-summary.js';
export { type EventSink, type UpgradeHandler, WS_PATH, WsHub, type WsHubOptions } from './http/ws-hub.js';
export { OVERFLOW_CLOSE_CODE } from './http/ws-socket.js';
export { Orchestrator, type OrchestratorOptions } from './orchestrator.js';
export {
  type OrchestratorServer,
  type OrchestratorServerOptions,
  startOrchestratorServer,
} from './server.js';
