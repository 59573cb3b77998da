import type { ModelEngineConfig } from '@figaro/agent';
import { z } from 'zod';
import { loadEnv } from './load.js';

const Engine = z.enum(['anthropic', 'openai', 'claude-code']);
const Seconds = (fallback: number) =>
  z.coerce.number().positive('must be a number of seconds > 0').default(fallback);
const Flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Settings of the agents a process runs (`figaro up`, `figaro worker`, `figaro supervisor`). */
export const AgentEnv = z.object({
  FIGARO_WORKER_ENGINE: Engine.default('anthropic'),
  FIGARO_WORKER_MODEL: z.string().min(1).default('claude-sonnet-4-6'),
  FIGARO_SUPERVISOR_ENGINE: Engine.default('anthropic'),
  FIGARO_SUPERVISOR_MODEL: z.string().min(1).default('claude-sonnet-4-6'),
  FIGARO_ANTHROPIC_API_KEY: z.string().min(1).optional(),
  FIGARO_ANTHROPIC_BASE_URL: z.url().optional(),
  /** A Claude subscription token (`claude setup-token`) for the claude-code engine. */
  FIGARO_CLAUDE_CODE_OAUTH_TOKEN: z.string().min(1).optional(),
  FIGARO_CLAUDE_CODE_MAX_RETRIES: z.coerce.number().int().min(0).max(20).optional(),
  FIGARO_OPENAI_API_KEY: z.string().min(1).optional(),
  FIGARO_OPENAI_BASE_URL: z.url().optional(),
  FIGARO_COMPUTER_TOOL: z
    .enum(['computer_20251124', 'computer_20250124', 'computer_toolset_20260801'])
    .default('computer_20251124'),
  FIGARO_ALLOW_LOCAL_SHELL: Flag.default(false),
  FIGARO_DESKTOP_APPS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((app) => app.trim())
        .filter((app) => app.length > 0),
    )
    .pipe(z.array(z.enum(['chromium', 'xterm'])))
    .default(['chromium', 'xterm']),
  FIGARO_SETTLE_MS: z.coerce.number().int().min(0).max(10_000).default(300),
  FIGARO_ASK_HUMAN_TIMEOUT: Seconds(1800),
  FIGARO_SUPERVISOR_DELEGATION_INACTIVITY_TIMEOUT: Seconds(600),
  FIGARO_SUPERVISOR_MAX_SESSIONS: z.coerce.number().int().positive().max(64).default(4),
  FIGARO_HEARTBEAT_INTERVAL: Seconds(30),
  FIGARO_MAX_TURNS: z.coerce.number().int().positive().optional(),
  FIGARO_BUDGET_USD: z.coerce.number().positive().optional(),
  FIGARO_MAX_DURATION: z.coerce.number().positive().optional(),
});
export type AgentEnv = z.infer<typeof AgentEnv>;

/** The original design's names, accepted as aliases (the FIGARO_ name wins). */
const AGENT_ENV_ALIASES: Readonly<Record<string, string>> = {
  FIGARO_WORKER_ENGINE: 'WORKER_ENGINE',
  FIGARO_WORKER_MODEL: 'WORKER_MODEL',
  FIGARO_SUPERVISOR_ENGINE: 'SUPERVISOR_ENGINE',
  FIGARO_SUPERVISOR_MODEL: 'SUPERVISOR_MODEL',
  FIGARO_ANTHROPIC_API_KEY: 'ANTHROPIC_API_KEY',
  FIGARO_ANTHROPIC_BASE_URL: 'ANTHROPIC_BASE_URL',
  FIGARO_CLAUDE_CODE_OAUTH_TOKEN: 'CLAUDE_CODE_OAUTH_TOKEN',
  FIGARO_CLAUDE_CODE_MAX_RETRIES: 'CLAUDE_CODE_MAX_RETRIES',
  FIGARO_OPENAI_API_KEY: 'OPENAI_API_KEY',
  FIGARO_OPENAI_BASE_URL: 'OPENAI_BASE_URL',
  FIGARO_SUPERVISOR_DELEGATION_INACTIVITY_TIMEOUT: 'SUPERVISOR_DELEGATION_INACTIVITY_TIMEOUT',
  FIGARO_SUPERVISOR_MAX_SESSIONS: 'SUPERVISOR_MAX_SESSIONS',
};

/** One role's model: the engine options, the model name, and whether it can run at all. */
interface RoleModel {
  engine: ModelEngineConfig;
  model: string;
  /** False when the engine has no credentials: no agent of this role is started. */
  configured: boolean;
}

/** Everything agents need from the environment, parsed once. */
export interface AgentConfig {
  env: AgentEnv;
  worker: RoleModel;
  supervisor: RoleModel;
}

export function loadAgentConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const parsed = loadEnv(AgentEnv, env, AGENT_ENV_ALIASES);
  const role = (engine: AgentEnv['FIGARO_WORKER_ENGINE'], model: string): RoleModel => {
    switch (engine) {
      case 'anthropic':
        return {
          engine: {
            engine: 'anthropic',
            ...(parsed.FIGARO_ANTHROPIC_API_KEY ? { apiKey: parsed.FIGARO_ANTHROPIC_API_KEY } : {}),
            ...(parsed.FIGARO_ANTHROPIC_BASE_URL ? { baseURL: parsed.FIGARO_ANTHROPIC_BASE_URL } : {}),
            computerTool: parsed.FIGARO_COMPUTER_TOOL,
          },
          model,
          configured: parsed.FIGARO_ANTHROPIC_API_KEY !== undefined,
        };
      case 'openai':
        return {
          engine: {
            engine: 'openai',
            ...(parsed.FIGARO_OPENAI_API_KEY ? { apiKey: parsed.FIGARO_OPENAI_API_KEY } : {}),
            ...(parsed.FIGARO_OPENAI_BASE_URL ? { baseURL: parsed.FIGARO_OPENAI_BASE_URL } : {}),
          },
          model,
          configured:
            parsed.FIGARO_OPENAI_BASE_URL !== undefined || parsed.FIGARO_OPENAI_API_KEY !== undefined,
        };
      case 'claude-code': {
        // A subscription token wins over an API key (which may be set for the other engines).
        const token = parsed.FIGARO_CLAUDE_CODE_OAUTH_TOKEN;
        const key = parsed.FIGARO_ANTHROPIC_API_KEY;
        const retries = parsed.FIGARO_CLAUDE_CODE_MAX_RETRIES;
        return {
          engine: {
            engine: 'claude-code',
            ...(token ? { oauthToken: token } : key ? { apiKey: key } : {}),
            ...(parsed.FIGARO_ANTHROPIC_BASE_URL ? { baseURL: parsed.FIGARO_ANTHROPIC_BASE_URL } : {}),
            ...(retries !== undefined ? { maxRetries: retries } : {}),
          },
          model,
          configured: token !== undefined || key !== undefined,
        };
      }
    }
  };
  return {
    env: parsed,
    worker: role(parsed.FIGARO_WORKER_ENGINE, parsed.FIGARO_WORKER_MODEL),
    supervisor: role(parsed.FIGARO_SUPERVISOR_ENGINE, parsed.FIGARO_SUPERVISOR_MODEL),
  };
}

/** What an engine needs before an agent can use it, by the real variable names. */
const ENGINE_NEEDS: Readonly<Record<AgentEnv['FIGARO_WORKER_ENGINE'], string>> = {
  anthropic: 'FIGARO_ANTHROPIC_API_KEY',
  openai: 'FIGARO_OPENAI_BASE_URL (an OpenAI-compatible server) or FIGARO_OPENAI_API_KEY',
  'claude-code': 'FIGARO_CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`) or FIGARO_ANTHROPIC_API_KEY',
};

/**
 * Why a role cannot run and what to set, e.g. "the worker engine is anthropic (FIGARO_WORKER_ENGINE):
 * set FIGARO_ANTHROPIC_API_KEY"; undefined when the role is configured.
 */
export function missingEngine(config: AgentConfig, role: 'worker' | 'supervisor'): string | undefined {
  if (config[role].configured) return undefined;
  const engine = role === 'worker' ? config.env.FIGARO_WORKER_ENGINE : config.env.FIGARO_SUPERVISOR_ENGINE;
  const variable = role === 'worker' ? 'FIGARO_WORKER_ENGINE' : 'FIGARO_SUPERVISOR_ENGINE';
  return `the ${role} engine is ${engine} (${variable}): set ${ENGINE_NEEDS[engine]}`;
}

/** The variables an engine needs, e.g. `FIGARO_ANTHROPIC_API_KEY`. */
export function engineNeeds(engine: AgentEnv['FIGARO_WORKER_ENGINE']): string {
  return ENGINE_NEEDS[engine];
}
