import type { Clock, Logger, ProgressState, TaskResult, Usage } from '@figaro/protocol';
import type { AskHuman } from '../human.js';
import type { MessagePart, ModelClient, ModelMessage } from '../model/model-client.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { AgentLimits } from './budget.js';
import type { ContextEconomyOptions } from './context-economy.js';
import type { InputQueue } from './input-queue.js';
import type { LoopDetectionOptions } from './loop-detector.js';

/**
 * What the loop reports as it runs. The caller publishes `message` events as
 * `figaro.task.{id}.message` (assistant turns as `AssistantMessage`, tool results and follow-ups as
 * `UserMessage`) and `progress` events as `figaro.task.{id}.progress`. Images are inline base64 here;
 * the caller turns them into blob references.
 */
export type AgentLoopEvent =
  | {
      type: 'message';
      role: 'assistant';
      content: MessagePart[];
      /** This turn's usage and its cost in US dollars. */
      usage: Usage;
      costUsd: number;
      model: string;
      messageId?: string;
      /** 1-based turn number. */
      turn: number;
    }
  | { type: 'message'; role: 'user'; content: MessagePart[]; origin: 'tool_results' | 'input' }
  | { type: 'progress'; state: ProgressState }
  | { type: 'text_delta'; text: string };

/** Options of `runAgentLoop`. */
export interface AgentLoopOptions {
  model: ModelClient;
  /** Model name sent to the engine and used for pricing. */
  modelName: string;
  system: string;
  tools: ToolRegistry;
  /** The conversation so far: at least the task's first user message. */
  messages: readonly ModelMessage[];
  /** Output tokens per turn. Default 4096. */
  maxTokens?: number;
  limits?: AgentLimits;
  /** Cancels the run: the model stream and the running tool are abandoned at once. */
  signal: AbortSignal;
  /** Called for every message and progress change, awaited in order. A throw ends the run as failed. */
  onEvent?: (event: AgentLoopEvent) => void | Promise<void>;
  /** Asked when a budget is reached; without it a reached budget ends the run. */
  askHuman?: AskHuman;
  /** Follow-up messages, pause and resume between turns. */
  input?: InputQueue;
  contextEconomy?: ContextEconomyOptions;
  loopDetection?: LoopDetectionOptions;
  /** US dollars of a turn's usage; default `costOf` with the built-in price table. */
  cost?: (model: string, usage: Usage) => number;
  clock?: Clock;
  logger?: Logger;
}

/** How a run ended. */
export type AgentLoopStatus = 'completed' | 'failed' | 'cancelled';

/** The outcome of `runAgentLoop`; it never throws for model, tool or budget failures. */
export interface AgentLoopResult {
  status: AgentLoopStatus;
  /** The final assistant text (completed runs). */
  result: string | null;
  /** Why the run failed (`budget exceeded`, `model error: …`) or `cancelled`. */
  error: string | null;
  /** The whole conversation, with old screenshots replaced by notes. */
  messages: ModelMessage[];
  usage: Usage;
  totalCostUsd: number;
  numTurns: number;
  durationMs: number;
}

/** The `.complete` payload's `result` for a finished run. */
export function toTaskResult(result: AgentLoopResult): TaskResult {
  return {
    result: result.result,
    total_cost_usd: result.totalCostUsd,
    usage: result.usage,
    num_turns: result.numTurns,
    duration_ms: result.durationMs,
  };
}
