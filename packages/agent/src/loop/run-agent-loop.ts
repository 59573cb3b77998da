import { silentLogger, systemClock, type Usage } from '@figaro/protocol';
import { CancelledError } from '../errors.js';
import { isYes } from '../human.js';
import type { ImagePart, MessagePart, ModelMessage, TextPart } from '../model/model-client.js';
import { costOf } from '../model/pricing.js';
import { BudgetGuard } from './budget.js';
import { ContextEconomy } from './context-economy.js';
import { LoopDetector, screenHash } from './loop-detector.js';
import { dispatchToolCalls } from './tool-dispatch.js';
import { executeTurn } from './turn.js';
import type { AgentLoopEvent, AgentLoopOptions, AgentLoopResult, AgentLoopStatus } from './types.js';

/**
 * The tool-use loop: model turn → tool calls → tool results → model … until the model answers without
 * calling a tool. Between turns it takes follow-up input, waits while paused, and checks budgets
 * (asking the human to continue); before each turn it compacts old screenshots. Tool failures are
 * observations for the model; only cancellation, a model failure or a declined budget end the run early.
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { signal } = options;
  const budget = new BudgetGuard(options.limits ?? {}, clock);
  const economy = new ContextEconomy(options.contextEconomy);
  const detector = new LoopDetector(options.loopDetection);
  const cost = options.cost ?? costOf;
  const emit = async (event: AgentLoopEvent) => options.onEvent?.(event);
  let messages: ModelMessage[] = [...options.messages];
  const usage: Usage = {};
  let totalCostUsd = 0;
  let turns = 0;
  let state: string | undefined;
  const progress = async (next: AgentLoopEvent & { type: 'progress' }) => {
    if (state === next.state) return;
    state = next.state;
    await emit(next);
  };

  const finish = (status: AgentLoopStatus, result: string | null, error: string | null): AgentLoopResult => ({
    status,
    result,
    error,
    messages,
    usage,
    totalCostUsd,
    numTurns: turns,
    durationMs: budget.elapsedMs(),
  });

  try {
    for (;;) {
      if (signal.aborted) throw new CancelledError();
      if (options.input) {
        const followUps = await options.input.take(signal, () => {
          void progress({ type: 'progress', state: 'paused' });
        });
        for (const content of followUps) {
          messages = appendUser(messages, content);
          await emit({ type: 'message', role: 'user', content, origin: 'input' });
        }
      }

      const reached = budget.reached({ turns, costUsd: totalCostUsd });
      if (reached) {
        if (!options.askHuman) return finish('failed', null, budgetError(reached.kind));
        await progress({ type: 'progress', state: 'budget' });
        const answer = await options.askHuman(
          { question: reached.question, header: 'Budget', options: ['yes', 'no'] },
          signal,
        );
        if (signal.aborted) throw new CancelledError();
        if (!isYes(answer)) return finish('failed', null, budgetError(reached.kind));
        logger.info({ kind: reached.kind }, 'budget extended by the human');
        budget.extend(reached.kind);
      }

      const prepared = economy.prepare(messages);
      messages = prepared.messages;
      await progress({ type: 'progress', state: 'thinking' });
      const outcome = await executeTurn(
        options.model,
        {
          model: options.modelName,
          system: options.system,
          messages: [...messages],
          tools: options.tools.specs(),
          maxTokens: options.maxTokens ?? 4096,
          cacheBreakpoints: prepared.cacheBreakpoints,
        },
        signal,
        (text) => void emit({ type: 'text_delta', text }),
      );
      turns++;
      const model = outcome.model ?? options.modelName;
      const turnCost = cost(model, outcome.usage);
      addUsage(usage, outcome.usage);
      totalCostUsd += turnCost;
      if (outcome.content.length > 0)
        messages = [...messages, { role: 'assistant', content: outcome.content }];
      await emit({
        type: 'message',
        role: 'assistant',
        content: outcome.content,
        usage: outcome.usage,
        costUsd: turnCost,
        model,
        ...(outcome.messageId !== undefined ? { messageId: outcome.messageId } : {}),
        turn: turns,
      });

      if (outcome.toolCalls.length === 0) {
        if (outcome.stopReason === 'pause_turn' || options.input?.pending) continue;
        return finish('completed', textOf(outcome.content), null);
      }

      await progress({ type: 'progress', state: 'acting' });
      const results = await dispatchToolCalls(outcome.toolCalls, {
        tools: options.tools,
        detector,
        signal,
        screen: latestScreen(messages),
        progress: (next) => void progress({ type: 'progress', state: next }),
      });
      messages = [...messages, { role: 'user', content: results }];
      await emit({ type: 'message', role: 'user', content: results, origin: 'tool_results' });
    }
  } catch (err) {
    if (signal.aborted || err instanceof CancelledError) return finish('cancelled', null, 'cancelled');
    logger.error({ err }, 'agent loop failed');
    return finish('failed', null, err instanceof Error ? err.message : String(err));
  }
}

function budgetError(kind: string): string {
  return kind === 'budget_usd' ? 'budget exceeded' : `budget exceeded (${kind})`;
}

/** Adds a follow-up as a user message, or to the trailing user message (roles must alternate). */
function appendUser(messages: ModelMessage[], content: Array<TextPart | ImagePart>): ModelMessage[] {
  const last = messages.at(-1);
  if (last?.role === 'user')
    return [...messages.slice(0, -1), { role: 'user', content: [...last.content, ...content] }];
  return [...messages, { role: 'user', content }];
}

function textOf(content: readonly MessagePart[]): string {
  return content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
}

function addUsage(total: Usage, turn: Usage): void {
  for (const key of [
    'input_tokens',
    'output_tokens',
    'cache_creation_input_tokens',
    'cache_read_input_tokens',
  ] as const) {
    const value = turn[key];
    if (value !== undefined) total[key] = (total[key] ?? 0) + value;
  }
}

/** Hash of the newest base64 image in the conversation: the screen the model saw last. */
function latestScreen(messages: readonly ModelMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const parts = messages[i]?.content ?? [];
    for (let j = parts.length - 1; j >= 0; j--) {
      const part = parts[j];
      const images =
        part?.type === 'image'
          ? [part]
          : part?.type === 'tool_result'
            ? part.content.filter((c) => c.type === 'image')
            : [];
      const image = images.at(-1);
      if (image?.source.type === 'base64') return screenHash(image.source.data);
    }
  }
  return undefined;
}
