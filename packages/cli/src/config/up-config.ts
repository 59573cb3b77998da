import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentId } from '@figaro/protocol';
import { z } from 'zod';
import { ConfigError, loadEnv, redactUrl } from './load.js';

const Port = z.coerce.number().int().min(0).max(65_535);
const NatsUrl = z
  .string()
  .regex(
    /^(nats|tls|ws|wss):\/\/[^\s]+$/,
    'must be a nats://, tls://, ws:// or wss:// URL (comma-separated for a cluster)',
  );
const DatabaseUrl = z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL');

/** A desktop-only entry of `FIGARO_DESKTOP_WORKERS`. */
const DesktopWorkerSeed = z.object({
  id: AgentId,
  novnc_url: z.string().regex(/^(vnc|ws|wss):\/\//, 'must be a vnc:// or ws(s):// URL'),
  vnc_username: z.string().optional(),
  vnc_password: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
type DesktopWorkerSeed = z.infer<typeof DesktopWorkerSeed>;

/** Environment of every Figaro process that hosts an orchestrator (`figaro up`, `figaro orchestrator`). */
export const ServerEnv = z.object({
  FIGARO_NATS_URL: NatsUrl.optional(),
  FIGARO_NATS_USER: z.string().optional(),
  FIGARO_NATS_PASSWORD: z.string().optional(),
  FIGARO_NATS_TOKEN: z.string().optional(),
  FIGARO_NATS_CREDS: z.string().optional(),
  FIGARO_DATABASE_URL: DatabaseUrl.optional(),
  FIGARO_DATA_DIR: z.string().optional(),
  FIGARO_HOST: z.string().min(1).default('127.0.0.1'),
  FIGARO_PORT: Port.default(8000),
  FIGARO_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  FIGARO_ENCRYPTION_KEY: z
    .string()
    .refine(isEncryptionKey, 'must be 64 hex characters or base64 of exactly 32 bytes')
    .optional(),
  FIGARO_ADMIN_PASSWORD: z.string().min(8, 'must have at least 8 characters').optional(),
  FIGARO_API_TOKEN: z.string().min(16, 'must have at least 16 characters').optional(),
  FIGARO_ALLOWED_ORIGINS: z
    .string()
    .transform((text, ctx) => {
      const origins: string[] = [];
      for (const item of text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        const origin = originOf(item);
        if (origin) origins.push(origin);
        else ctx.addIssue({ code: 'custom', message: `${JSON.stringify(item)} is not an http(s) origin` });
      }
      return origins;
    })
    .optional(),
  FIGARO_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((text) => text === 'true' || text === '1')
    .default(false),
  FIGARO_HEARTBEAT_TIMEOUT: z.coerce.number().positive('must be a number of seconds > 0').default(60),
  FIGARO_DESKTOP_WORKERS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON list of {id, novnc_url, ...}' });
        return z.NEVER;
      }
    })
    .pipe(z.array(DesktopWorkerSeed))
    .optional(),
});

/** `https://app.example.com` (no path, query or credentials) as the browser sends it in `Origin`. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function isEncryptionKey(text: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return true;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) && Buffer.from(text, 'base64').length === 32;
}
export type ServerEnv = z.infer<typeof ServerEnv>;

/** Flags of `figaro up` that override the environment. */
export interface UpFlags {
  host?: string | undefined;
  port?: string | undefined;
  dataDir?: string | undefined;
}

/** Everything `figaro up` needs to start, resolved and validated. */
export interface UpConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: ServerEnv['FIGARO_LOG_LEVEL'];
  bus:
    | { kind: 'memory' }
    | { kind: 'nats'; servers: string[]; user?: string; pass?: string; token?: string; creds?: string };
  store: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  encryptionKey?: string;
  adminPassword?: string;
  apiToken?: string;
  heartbeatTimeoutMs: number;
  desktopWorkers: DesktopWorkerSeed[];
  /** Origins besides the server's own that may open the WebSocket and make cookie-authenticated writes. */
  allowedOrigins: string[];
  /** Behind a reverse proxy: `X-Forwarded-Host` names the server's own host for the Origin check. */
  trustProxy: boolean;
}

/** The default data folder: `$XDG_DATA_HOME/figaro` or `~/.local/share/figaro`. */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const home = env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
  const base =
    env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(base, 'figaro');
}

/** Parses environment and flags together, listing every problem at once (ConfigError). */
export function loadUpConfig(
  env: NodeJS.ProcessEnv,
  flags: UpFlags,
  mode: 'embedded' | 'orchestrator' = 'embedded',
): UpConfig {
  const problems: string[] = [];
  let parsed: ServerEnv | undefined;
  try {
    parsed = loadEnv(ServerEnv, env);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  let port: number | undefined;
  if (flags.port !== undefined) {
    const result = Port.safeParse(flags.port);
    if (result.success) port = result.data;
    else problems.push(`--port: must be an integer from 0 to 65535, got ${JSON.stringify(flags.port)}`);
  }
  if (flags.host !== undefined && flags.host.trim() === '') problems.push('--host: must not be empty');
  if (parsed?.FIGARO_NATS_CREDS && (parsed.FIGARO_NATS_USER || parsed.FIGARO_NATS_TOKEN)) {
    problems.push('FIGARO_NATS_CREDS: use either a creds file or user/password or a token, not several');
  }
  if (mode === 'orchestrator' && parsed && !parsed.FIGARO_ENCRYPTION_KEY) {
    problems.push(
      'FIGARO_ENCRYPTION_KEY: required by figaro orchestrator (64 hex characters, e.g. `openssl rand -hex 32`)',
    );
  }
  if (problems.length > 0 || !parsed) throw new ConfigError(problems);

  const dataDir = resolve(flags.dataDir ?? parsed.FIGARO_DATA_DIR ?? defaultDataDir(env));
  const natsUrl = parsed.FIGARO_NATS_URL;
  return {
    host: flags.host ?? parsed.FIGARO_HOST,
    port: port ?? parsed.FIGARO_PORT,
    dataDir,
    logLevel: parsed.FIGARO_LOG_LEVEL,
    bus: natsUrl
      ? {
          kind: 'nats',
          servers: natsUrl.split(',').map((s) => s.trim()),
          ...(parsed.FIGARO_NATS_USER ? { user: parsed.FIGARO_NATS_USER } : {}),
          ...(parsed.FIGARO_NATS_PASSWORD ? { pass: parsed.FIGARO_NATS_PASSWORD } : {}),
          ...(parsed.FIGARO_NATS_TOKEN ? { token: parsed.FIGARO_NATS_TOKEN } : {}),
          ...(parsed.FIGARO_NATS_CREDS ? { creds: parsed.FIGARO_NATS_CREDS } : {}),
        }
      : { kind: 'memory' },
    store: parsed.FIGARO_DATABASE_URL
      ? { kind: 'postgres', url: parsed.FIGARO_DATABASE_URL }
      : { kind: 'pglite', dataDir: join(dataDir, 'pglite') },
    ...(parsed.FIGARO_ENCRYPTION_KEY ? { encryptionKey: parsed.FIGARO_ENCRYPTION_KEY } : {}),
    ...(parsed.FIGARO_ADMIN_PASSWORD ? { adminPassword: parsed.FIGARO_ADMIN_PASSWORD } : {}),
    ...(parsed.FIGARO_API_TOKEN ? { apiToken: parsed.FIGARO_API_TOKEN } : {}),
    heartbeatTimeoutMs: parsed.FIGARO_HEARTBEAT_TIMEOUT * 1000,
    desktopWorkers: parsed.FIGARO_DESKTOP_WORKERS ?? [],
    allowedOrigins: parsed.FIGARO_ALLOWED_ORIGINS ?? [],
    trustProxy: parsed.FIGARO_TRUST_PROXY,
  };
}

/** A one-line description of the backends with secrets redacted, for the start banner and logs. */
export function describeBackends(config: UpConfig): string {
  const bus =
    config.bus.kind === 'nats' ? `NATS at ${config.bus.servers.map(redactUrl).join(',')}` : 'in-process bus';
  const store =
    config.store.kind === 'postgres'
      ? `PostgreSQL at ${redactUrl(config.store.url)}`
      : `PGlite in ${config.store.dataDir}`;
  return `${bus}, ${store}`;
}
