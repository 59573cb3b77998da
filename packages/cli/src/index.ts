export { ExitCode, runCli } from './cli.js';
export { ConfigError, loadEnv, redactUrl } from './config/load.js';
export { loadUpConfig, ServerEnv, type UpConfig } from './config/up-config.js';
