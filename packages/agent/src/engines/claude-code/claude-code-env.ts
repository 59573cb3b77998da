import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * How Claude Code reaches the model: an API key (`ANTHROPIC_API_KEY`) or a Claude subscription token
 * (`CLAUDE_CODE_OAUTH_TOKEN`, made with `claude setup-token`), and optionally another endpoint.
 */
export interface ClaudeCodeAuth {
  apiKey?: string;
  oauthToken?: string;
  /** `ANTHROPIC_BASE_URL`; a path prefix is kept. */
  baseURL?: string;
}

/** The folders Claude Code may write to, one set per agent. */
export interface ClaudeCodeDirs {
  /** HOME of the Claude Code process, also its working directory. */
  home: string;
  /** CLAUDE_CONFIG_DIR. */
  config: string;
}

/**
 * A fresh private folder (0700, `$TMPDIR/figaro-claude-code-XXXXXX`) for per-agent folders when no
 * state folder is configured: never one another user could have made first.
 */
export function makeClaudeCodeStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'figaro-claude-code-'));
}

/**
 * Creates (mode 0700) and returns the HOME and CLAUDE_CONFIG_DIR of one agent under `stateDir`, so that
 * agents never share Claude Code's settings, caches or login, and none of them sees the operator's.
 */
export async function agentDirs(stateDir: string, agentId: string): Promise<ClaudeCodeDirs> {
  const base = join(stateDir, agentId.replace(/[^A-Za-z0-9._-]/g, '_'));
  const dirs = { home: join(base, 'home'), config: join(base, 'config') };
  await mkdir(dirs.home, { recursive: true, mode: 0o700 });
  await mkdir(dirs.config, { recursive: true, mode: 0o700 });
  return dirs;
}

/**
 * The whole environment of the Claude Code process (the SDK's `options.env` replaces the inherited
 * one): PATH, the agent's own HOME and CLAUDE_CONFIG_DIR, the credentials, and everything
 * non-essential switched off (telemetry, error reporting, auto-update, other background traffic).
 * `maxRetries` becomes CLAUDE_CODE_MAX_RETRIES. Nothing else of Figaro's environment leaks through.
 */
export function claudeCodeEnv(options: {
  auth: ClaudeCodeAuth;
  dirs: ClaudeCodeDirs;
  path?: string;
  maxRetries?: number;
}): Record<string, string> {
  const { auth, dirs } = options;
  const env: Record<string, string> = {
    PATH: options.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dirs.home,
    CLAUDE_CONFIG_DIR: dirs.config,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_AGENT_SDK_CLIENT_APP: 'figaro',
  };
  if (auth.baseURL) env.ANTHROPIC_BASE_URL = auth.baseURL;
  if (auth.apiKey) env.ANTHROPIC_API_KEY = auth.apiKey;
  if (auth.oauthToken) env.CLAUDE_CODE_OAUTH_TOKEN = auth.oauthToken;
  if (options.maxRetries !== undefined) env.CLAUDE_CODE_MAX_RETRIES = String(options.maxRetries);
  return env;
}
