import type { Usage } from '@figaro/protocol';
import { ModelError } from '../../errors.js';
import { type ModelEvent, StopReason } from '../model-client.js';
import { COMPUTER_TOOLSET_NAME } from './computer-tool-version.js';

interface UsageCounters {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/**
 * The raw Messages API stream events this engine reads (GA and beta streams both fit). Other block and
 * delta types (thinking, citations, server tools) are passed over.
 */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: { id: string; model: string; usage: UsageCounters } }
  | {
      type: 'content_block_start';
      index: number;
      content_block: { type: string; id?: string; name?: string; toolset_name?: string | null };
    }
  | {
      type: 'content_block_delta';
      index: number;
      delta: { type: string; text?: string; partial_json?: string };
    }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: string | null }; usage: UsageCounters }
  | { type: 'message_stop' };

interface PendingToolUse {
  id: string;
  name: string;
  toolset: string | undefined;
  json: string;
}

/**
 * Turns one turn's raw stream events into ModelEvents: text deltas as they come, each tool call when
 * its block closes (input JSON parsed), usage and stop at `message_stop`. GA computer toolset calls
 * come out as the neutral `computerToolName` call with `{action: <member name>, ...input}`.
 */
export class AnthropicStreamMapper {
  readonly #computerToolName: string;
  readonly #toolUses = new Map<number, PendingToolUse>();
  #usage: Usage = {};
  #stopReason: string | null = null;
  #messageId: string | undefined;
  #model: string | undefined;

  constructor(computerToolName: string) {
    this.#computerToolName = computerToolName;
  }

  /** The ModelEvents that `event` completes (often none). */
  push(event: AnthropicStreamEvent): ModelEvent[] {
    switch (event.type) {
      case 'message_start':
        this.#messageId = event.message.id;
        this.#model = event.message.model;
        this.#mergeUsage(event.message.usage);
        return [];
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'tool_use' && block.id !== undefined && block.name !== undefined) {
          this.#toolUses.set(event.index, {
            id: block.id,
            name: block.name,
            toolset: block.toolset_name ?? undefined,
            json: '',
          });
        }
        return [];
      }
      case 'content_block_delta': {
        const { delta } = event;
        if (delta.type === 'text_delta' && delta.text) return [{ type: 'text_delta', text: delta.text }];
        if (delta.type === 'input_json_delta' && delta.partial_json !== undefined) {
          const pending = this.#toolUses.get(event.index);
          if (pending) pending.json += delta.partial_json;
        }
        return [];
      }
      case 'content_block_stop': {
        const pending = this.#toolUses.get(event.index);
        if (!pending) return [];
        this.#toolUses.delete(event.index);
        return [this.#toolCall(pending)];
      }
      case 'message_delta':
        this.#stopReason = event.delta.stop_reason ?? this.#stopReason;
        this.#mergeUsage(event.usage);
        return [];
      case 'message_stop':
        return [
          { type: 'usage', usage: { ...this.#usage } },
          {
            type: 'stop',
            reason: toStopReason(this.#stopReason),
            ...(this.#messageId !== undefined ? { messageId: this.#messageId } : {}),
            ...(this.#model !== undefined ? { model: this.#model } : {}),
          },
        ];
    }
  }

  #toolCall(pending: PendingToolUse): ModelEvent {
    let input: unknown = {};
    if (pending.json.trim() !== '') {
      try {
        input = JSON.parse(pending.json);
      } catch (err) {
        throw new ModelError(`tool_use ${pending.id} carried invalid JSON input`, { cause: err });
      }
    }
    if (pending.toolset === COMPUTER_TOOLSET_NAME) {
      const params = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
      return {
        type: 'tool_call',
        id: pending.id,
        name: this.#computerToolName,
        input: { action: pending.name, ...params },
      };
    }
    return { type: 'tool_call', id: pending.id, name: pending.name, input };
  }

  #mergeUsage(counters: UsageCounters): void {
    for (const key of [
      'input_tokens',
      'output_tokens',
      'cache_creation_input_tokens',
      'cache_read_input_tokens',
    ] as const) {
      const value = counters[key];
      if (typeof value === 'number') this.#usage[key] = value;
    }
  }
}

function toStopReason(reason: string | null): StopReason {
  switch (reason) {
    case 'end_turn':
      return StopReason.endTurn;
    case 'tool_use':
      return StopReason.toolUse;
    case 'max_tokens':
      return StopReason.maxTokens;
    case 'stop_sequence':
      return StopReason.stopSequence;
    case 'pause_turn':
      return StopReason.pauseTurn;
    case 'refusal':
      return StopReason.refusal;
    default:
      return StopReason.other;
  }
}
