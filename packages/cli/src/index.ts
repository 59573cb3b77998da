export { ExitCode, runCli } from './cli.js';
export { ApiError, ClientError, ConnectionError, ProtocolError } from './client/errors.js';
export { FigaroClient, type FigaroClientOptions } from './client/http-client.js';
export { openClient } from './client/open-client.js';
export {
  type EventSummary,
  type WatchOutcome,
  type WatchTaskOptions,
  watchTask,
} from './client/task-watch.js';
export type { CliIo, Command, CommandContext } from './commands/io.js';
export {
  type ClientConfig,
  ClientEnv,
  DEFAULT_FIGARO_URL,
  loadClientConfig,
  resolveToken,
  type TokenSource,
} from './config/client-config.js';
export { ConfigError, loadEnv, redactUrl } from './config/load.js';
export { loadUpConfig, ServerEnv, type UpConfig } from './config/up-config.js';
