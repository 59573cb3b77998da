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
  | { engine: 'claude-code' };

/** Builds the ModelClient of a configured engine. `claude-code` is not built yet and throws. */
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
      // TODO(issue 5): the claude-code engine runs @anthropic-ai/claude-agent-sdk with the desktop
      // actions and Figaro tools as an in-process MCP server, a HOME/CLAUDE_CONFIG_DIR per agent and
      // non-essential traffic disabled (see FIELD-NOTES.md, "Anthropic").
      throw new AgentConfigError('model engine "claude-code" is not built yet');
  }
}
