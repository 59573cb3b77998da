import type { Usage } from '@figaro/protocol';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { type ModelEvent, StopReason } from '../model-client.js';

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Turns chat-completions stream chunks into ModelEvents: text deltas at once; tool calls (accumulated
 * by index) when the stream ends, then usage and stop. Arguments that are not valid JSON are passed as
 * the raw string, which the tool's input schema then rejects back to the model.
 */
export class OpenAIStreamMapper {
  readonly #calls = new Map<number, PendingCall>();
  #finish: string | null = null;
  #usage: Usage = {};
  #id: string | undefined;
  #model: string | undefined;

  /** The text deltas this chunk carries. */
  push(chunk: ChatCompletionChunk): ModelEvent[] {
    this.#id ??= chunk.id;
    this.#model ??= chunk.model;
    if (chunk.usage) {
      const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
      this.#usage = {
        input_tokens: Math.max(0, chunk.usage.prompt_tokens - cached),
        output_tokens: chunk.usage.completion_tokens,
        ...(cached > 0 ? { cache_read_input_tokens: cached } : {}),
      };
    }
    const events: ModelEvent[] = [];
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      if (choice.delta.content) events.push({ type: 'text_delta', text: choice.delta.content });
      for (const call of choice.delta.tool_calls ?? []) {
        const pending = this.#calls.get(call.index) ?? { id: '', name: '', args: '' };
        if (call.id) pending.id = call.id;
        if (call.function?.name) pending.name += call.function.name;
        if (call.function?.arguments) pending.args += call.function.arguments;
        this.#calls.set(call.index, pending);
      }
      if (choice.finish_reason) this.#finish = choice.finish_reason;
    }
    return events;
  }

  /** Tool calls, usage and stop, once the stream has ended. */
  end(): ModelEvent[] {
    const events: ModelEvent[] = [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({
        type: 'tool_call' as const,
        id: call.id || `call_${index}`,
        name: call.name,
        input: parseArguments(call.args),
      }));
    events.push({ type: 'usage', usage: { ...this.#usage } });
    events.push({
      type: 'stop',
      reason: toStopReason(this.#finish, this.#calls.size > 0),
      ...(this.#id !== undefined ? { messageId: this.#id } : {}),
      ...(this.#model !== undefined ? { model: this.#model } : {}),
    });
    return events;
  }
}

function parseArguments(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

function toStopReason(finish: string | null, hasCalls: boolean): StopReason {
  if (hasCalls) return StopReason.toolUse;
  switch (finish) {
    case 'stop':
      return StopReason.endTurn;
    case 'length':
      return StopReason.maxTokens;
    case 'content_filter':
      return StopReason.refusal;
    case 'tool_calls':
    case 'function_call':
      return StopReason.toolUse;
    default:
      return StopReason.other;
  }
}
