import type { Bus } from '@figaro/bus';
import {
  type Clock,
  type Logger,
  type ProgressState,
  silentLogger,
  systemClock,
  type TaskInput,
  type TaskOptions,
  type TaskResult,
  type Usage,
} from '@figaro/protocol';
import { AgentError, CancelledError } from '../errors.js';
import type { AskHuman } from '../human.js';
import type { AgentLimits } from '../loop/budget.js';
import type { ContextEconomyOptions } from '../loop/context-economy.js';
import { type AgentInput, InputQueue } from '../loop/input-queue.js';
import type { LoopDetectionOptions } from '../loop/loop-detector.js';
import { runAgentLoop } from '../loop/run-agent-loop.js';
import { type AgentLoopEvent, toTaskResult } from '../loop/types.js';
import type { ModelClient, ModelMessage } from '../model/model-client.js';
import type { TaskContext } from '../runtime/agent-runtime.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { toEventContent, type UploadImage } from './event-content.js';
import type { AskHumanByKey } from './human.js';

/** Options both roles take. Every dependency is injected; defaults are noted per field. */
export interface RoleOptions {
  model: ModelClient;
  /** Model name for requests and pricing; a task's `options.model` overrides it. */
  modelName: string;
  bus: Bus;
  /** Uploads screenshots so that task events carry blob references, never base64. */
  uploadImage: UploadImage;
  /** Replaces the role's built-in system prompt. */
  system?: string;
  /** Limits for tasks whose options set none (`max_turns`, `budget_usd`, `max_duration_s`); default none. */
  limits?: AgentLimits;
  /** How long a help request waits for an answer, in seconds. Default 1800. */
  askHumanTimeoutS?: number;
  /** Output tokens per model turn. Default 4096. */
  maxTokens?: number;
  contextEconomy?: ContextEconomyOptions;
  loopDetection?: LoopDetectionOptions;
  /** US dollars of a turn; default the built-in price table. */
  cost?: (model: string, usage: Usage) => number;
  /** How often follow-up input (`figaro.task.{id}.input`) is moved into the loop, in ms. Default 250. */
  inputPollMs?: number;
  /** The current progress state is published again after this long without a change, in ms. Default 30,000. */
  progressRepeatMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** One task attempt of a role, ready to run. */
export interface RoleRun {
  options: RoleOptions;
  system: string;
  tools: ToolRegistry;
  /** The opening user message(s): published first, then sent to the model. */
  messages: ModelMessage[];
  /** Asks the human; the budget question uses keys `budget-1`, `budget-2`, … */
  ask: AskHumanByKey;
}

/** Default help request wait, in seconds (the 30 minutes). */
export const DEFAULT_ASK_HUMAN_TIMEOUT_S = 1_800;

/**
 * Runs the agent loop for one task attempt and publishes everything it does: the opening message and
 * every model turn and tool result as `figaro.task.{id}.message` (usage and cost on assistant turns,
 * images uploaded as blobs), every progress change as `.progress`. Follow-ups, pause and resume are fed
 * into the loop between turns, and a reached budget becomes a help request. Returns the `.complete`
 * result; a failed run throws its error (`budget exceeded`, `model error: …`), a cancelled one throws
 * CancelledError.
 */
export async function runRole(ctx: TaskContext, run: RoleRun): Promise<TaskResult> {
  const { options } = run;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ task_id: ctx.assignment.task_id });
  const modelName = ctx.assignment.options.model ?? options.modelName;
  const upload = options.uploadImage;

  for (const message of run.messages)
    await ctx.events.message({ type: 'UserMessage', content: await toEventContent(message.content, upload) });

  const input = new InputQueue();
  const pump = () => {
    for (const item of ctx.takeInputs()) input.push(toAgentInput(item));
  };
  const poller = startPolling(pump, options.inputPollMs ?? 250, clock);
  // PROTOCOL.md: progress goes out on every change and at least every 30 s while the task runs.
  let state: ProgressState = 'thinking';
  let stateAt = clock.now().getTime();
  const repeatMs = options.progressRepeatMs ?? 30_000;
  const repeater = startPolling(
    () => {
      if (clock.now().getTime() - stateAt < repeatMs) return;
      stateAt = clock.now().getTime();
      void ctx.events.progress(state, clock.now());
    },
    Math.min(repeatMs, 5_000),
    clock,
  );
  let budgetQuestions = 0;
  const askBudget: AskHuman = (question, signal) => run.ask(`budget-${++budgetQuestions}`, question, signal);

  const onEvent = async (event: AgentLoopEvent): Promise<void> => {
    pump();
    if (event.type === 'progress') {
      state = event.state;
      stateAt = clock.now().getTime();
      await ctx.events.progress(event.state, clock.now());
    } else if (event.type === 'message' && event.role === 'assistant')
      await ctx.events.message({
        type: 'AssistantMessage',
        content: await toEventContent(event.content, upload),
        model: event.model,
        usage: event.usage,
        costUsd: event.costUsd,
      });
    else if (event.type === 'message')
      await ctx.events.message({ type: 'UserMessage', content: await toEventContent(event.content, upload) });
  };

  try {
    const result = await runAgentLoop({
      model: options.model,
      modelName,
      system: run.system,
      tools: run.tools,
      messages: run.messages,
      limits: limitsOf(ctx.assignment.options, options.limits),
      signal: ctx.signal,
      onEvent,
      askHuman: askBudget,
      input,
      clock,
      logger,
      ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      ...(options.contextEconomy ? { contextEconomy: options.contextEconomy } : {}),
      ...(options.loopDetection ? { loopDetection: options.loopDetection } : {}),
      ...(options.cost ? { cost: options.cost } : {}),
    });
    if (result.status === 'completed') return toTaskResult(result);
    if (result.status === 'cancelled' || ctx.signal.aborted) throw new CancelledError();
    throw new AgentError(result.error ?? 'agent loop failed');
  } finally {
    poller.cancel();
    repeater.cancel();
  }
}

/** A task's limits: its own options first, then the role's defaults. */
export function limitsOf(options: TaskOptions, defaults: AgentLimits = {}): AgentLimits {
  const maxTurns = options.max_turns ?? defaults.maxTurns;
  const budgetUsd = options.budget_usd ?? defaults.budgetUsd;
  const maxDurationS = options.max_duration_s ?? defaults.maxDurationS;
  return {
    ...(maxTurns !== undefined ? { maxTurns } : {}),
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(maxDurationS !== undefined ? { maxDurationS } : {}),
  };
}

/**
 * `figaro.task.{id}.input` as loop input. Attachments are blob references the model cannot see
 * inline yet; they are named in the text so that the model knows they exist.
 */
export function toAgentInput(input: TaskInput): AgentInput {
  if (input.kind !== 'user_message')
    return { kind: input.kind, ...(input.note !== undefined ? { note: input.note } : {}) };
  const notes = (input.attachments ?? []).map(
    (ref) => `[attachment ${ref.media_type} ${ref.sha256.slice(0, 12)} not shown]`,
  );
  const text = [input.text ?? '', ...notes].filter((t) => t.length > 0).join('\n');
  return { kind: 'user_message', content: [{ type: 'text', text: text || '(empty message)' }] };
}

function startPolling(fn: () => void, everyMs: number, clock: Clock): { cancel(): void } {
  let timer: { cancel(): void } | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    fn();
    timer = clock.setTimeout(tick, everyMs);
  };
  timer = clock.setTimeout(tick, everyMs);
  return {
    cancel() {
      stopped = true;
      timer?.cancel();
    },
  };
}
