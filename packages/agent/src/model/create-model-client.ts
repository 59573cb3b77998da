import type { ClaudeCodeAuth } from '../engines/claude-code/claude-code-env.js';
import { AgentConfigError } from '../errors.js';
import {
  AnthropicModelClient,
  type AnthropicModelClientOptions,
} from './anthropic/anthropic-model-client.js';
import type { ModelClient } from './model-client.js';
import { OpenAIModelClient, type OpenAIModelClientOptions } from './openai/openai-model-client.js';

/** Model engines a role can be configured with (`FIGARO_WORKER_ENGINE`, `FIGARO_SUPERVISOR_ENGINE`). */
export const ModelEngine = { anthropic: 'anthropic', claudeCode: 'claude-code', openai: 'openai' } as const;
export type ModelEngine = (typeof ModelEngine)[keyof typeof ModelEngine];

/** Which engine to build, with its options. */
export type ModelEngineConfig =
  | ({ engine: 'anthropic' } & AnthropicModelClientOptions)
  | ({ engine: 'openai' } & OpenAIModelClientOptions)
  | ({ engine: 'claude-code'; maxRetries?: number } & ClaudeCodeAuth);

/**
 * Builds the ModelClient of a configured engine. `claude-code` is not a ModelClient (Claude Code runs
 * its own agent loop) and throws: use `createClaudeCodeWorkerExecutor` for it.
 */
export function createModelClient(config: ModelEngineConfig): ModelClient {
  switch (config.engine) {
    case 'anthropic': {
      const { engine: _engine, ...options } = config;
      return new AnthropicModelClient(options);
    }
    case 'openai': {
      const { engine: _engine, ...options } = config;
      return new OpenAIModelClient(options);
    }
    case 'claude-code':
      throw new AgentConfigError(
        'model engine "claude-code" runs its own agent loop and is not a ModelClient: use createClaudeCodeWorkerExecutor',
      );
  }
}
