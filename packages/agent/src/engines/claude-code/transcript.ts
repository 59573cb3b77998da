import type { SDKMessage, SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { TaskResult, Usage } from '@figaro/protocol';
import { AgentError } from '../../errors.js';
import type { ImagePart, MessagePart, ToolResultContent } from '../../model/model-client.js';
import { toEventContent, type UploadImage } from '../../roles/event-content.js';
import type { AgentMessage } from '../../runtime/task-events.js';
import { figaroToolName } from './mcp-server.js';

/** What the transcript needs: where messages go, how images are stored, how a turn is priced. */
export interface TranscriptOptions {
  publish(message: AgentMessage): Promise<void>;
  uploadImage: UploadImage;
  /** US dollars of one model turn. */
  cost(model: string, usage: Usage): number;
  /** Model name when a message does not say. */
  model: string;
}

/** One model turn being assembled from Claude Code's stream events and per-block messages. */
interface PendingTurn {
  id: string;
  model: string;
  content: MessagePart[];
  usage: Usage;
}

/**
 * Turns Claude Code's SDK messages into Figaro task messages (`figaro.task.{id}.message`): each model
 * turn becomes one `AssistantMessage` (text and tool_use blocks, MCP tool names without their
 * `mcp__figaro__` prefix, usage from the turn's `message_start` and `message_delta` stream events and
 * its cost), each batch of tool results one `UserMessage` (images uploaded as blob references).
 * Claude Code delivers a turn's blocks one message each, before the turn's final usage, so a turn is
 * published at its `message_stop` (or when anything else follows). Thinking blocks, system and status
 * messages are not published. `handle` returns the result message when one arrives.
 */
export class ClaudeCodeTranscript {
  readonly #options: TranscriptOptions;
  #pending: PendingTurn | undefined;
  /** Tool-use ids already published, so that a re-sent block is not published twice. */
  readonly #seenToolUses = new Set<string>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: TranscriptOptions) {
    this.#options = options;
  }

  /** Publishes what `message` completes; resolves with it when it is a result. */
  handle(message: SDKMessage): Promise<SDKResultMessage | undefined> {
    return this.#serial(() => this.#handle(message));
  }

  /** Publishes the turn being assembled, if any. */
  flush(): Promise<void> {
    return this.#serial(() => this.#flush());
  }

  /**
   * Publishes a user message Figaro sent (the opening, a follow-up). A follow-up sent while a model
   * turn streams is published before that turn.
   */
  publishUser(parts: readonly MessagePart[]): Promise<void> {
    return this.#serial(() => this.#publishUser(parts));
  }

  /** Runs publishing steps one at a time, in call order (uploads make each step take a while). */
  #serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(step);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #handle(message: SDKMessage): Promise<SDKResultMessage | undefined> {
    switch (message.type) {
      case 'stream_event': {
        if (message.parent_tool_use_id !== null) return undefined;
        const event = message.event;
        if (event.type === 'message_start') {
          await this.#startTurn(event.message.id, event.message.model);
          this.#mergeUsage(event.message.usage);
        } else if (event.type === 'message_delta') this.#mergeUsage(event.usage);
        else if (event.type === 'message_stop') await this.#flush();
        return undefined;
      }
      case 'assistant': {
        if (message.parent_tool_use_id !== null) return undefined;
        const turn = await this.#startTurn(message.message.id, message.message.model);
        if (Object.keys(turn.usage).length === 0) this.#mergeUsage(message.message.usage);
        for (const block of message.message.content) {
          const part = assistantPart(block);
          if (!part) continue;
          if (part.type === 'tool_use') {
            if (this.#seenToolUses.has(part.id)) continue;
            this.#seenToolUses.add(part.id);
          }
          turn.content.push(part);
        }
        return undefined;
      }
      case 'user': {
        if (message.parent_tool_use_id !== null) return undefined;
        await this.#flush();
        const content = typeof message.message.content === 'string' ? [] : message.message.content;
        const results = content.flatMap((block) => toolResultPart(block) ?? []);
        if (results.length > 0) await this.#publishUser(results);
        return undefined;
      }
      case 'result':
        await this.#flush();
        return message;
      default:
        return undefined;
    }
  }

  async #flush(): Promise<void> {
    const turn = this.#pending;
    this.#pending = undefined;
    if (!turn || turn.content.length === 0) return;
    await this.#options.publish({
      type: 'AssistantMessage',
      content: await toEventContent(turn.content, this.#options.uploadImage),
      model: turn.model,
      usage: turn.usage,
      costUsd: this.#options.cost(turn.model, turn.usage),
    });
  }

  async #publishUser(parts: readonly MessagePart[]): Promise<void> {
    await this.#options.publish({
      type: 'UserMessage',
      content: await toEventContent(parts, this.#options.uploadImage),
    });
  }

  async #startTurn(id: string, model: string | undefined): Promise<PendingTurn> {
    if (this.#pending?.id === id) return this.#pending;
    await this.#flush();
    const turn: PendingTurn = { id, model: model || this.#options.model, content: [], usage: {} };
    this.#pending = turn;
    return turn;
  }

  #mergeUsage(usage: unknown): void {
    if (!this.#pending || !isRecord(usage)) return;
    const target = this.#pending.usage;
    for (const key of USAGE_KEYS) {
      const value = usage[key];
      if (typeof value === 'number') target[key] = value;
    }
  }
}

const USAGE_KEYS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
] as const;

/** The token counts of an SDK usage object (which carries many more fields). */
function usageOf(usage: unknown): Usage {
  const out: Usage = {};
  if (!isRecord(usage)) return out;
  for (const key of USAGE_KEYS) {
    const value = usage[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/**
 * The `.complete` result of a successful run, or the failure: `budget exceeded (max_turns)`,
 * `budget exceeded`,
 * or Claude Code's own error text (API errors arrive as `is_error` results).
 */
export function taskResultOf(result: SDKResultMessage): TaskResult {
  if (result.subtype === 'success' && !result.is_error)
    return {
      result: result.result,
      total_cost_usd: result.total_cost_usd,
      usage: usageOf(result.usage),
      num_turns: result.num_turns,
    };
  switch (result.subtype) {
    case 'error_max_turns':
      throw new AgentError('budget exceeded (max_turns)');
    case 'error_max_budget_usd':
      throw new AgentError('budget exceeded');
    case 'success':
      throw new AgentError(`model error: ${result.result}`);
    default:
      throw new AgentError(`claude-code: ${result.errors.join('; ') || result.subtype}`);
  }
}

function assistantPart(block: unknown): MessagePart | undefined {
  if (!isRecord(block)) return undefined;
  if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0)
    return { type: 'text', text: block.text };
  if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string')
    return { type: 'tool_use', id: block.id, name: figaroToolName(block.name), input: block.input };
  return undefined;
}

function toolResultPart(block: unknown): MessagePart | undefined {
  if (!isRecord(block) || block.type !== 'tool_result' || typeof block.tool_use_id !== 'string')
    return undefined;
  const raw = block.content;
  const content: ToolResultContent[] =
    typeof raw === 'string'
      ? [{ type: 'text', text: raw }]
      : Array.isArray(raw)
        ? raw.flatMap((item) => resultContent(item) ?? [])
        : [];
  return {
    type: 'tool_result',
    tool_use_id: block.tool_use_id,
    content,
    ...(block.is_error === true ? { is_error: true } : {}),
  };
}

function resultContent(item: unknown): ToolResultContent | undefined {
  if (!isRecord(item)) return undefined;
  if (item.type === 'text' && typeof item.text === 'string') return { type: 'text', text: item.text };
  if (item.type !== 'image' || !isRecord(item.source)) return undefined;
  const source = item.source;
  if (source.type === 'base64' && typeof source.data === 'string' && isImageType(source.media_type))
    return { type: 'image', source: { type: 'base64', media_type: source.media_type, data: source.data } };
  if (source.type === 'url' && typeof source.url === 'string')
    return { type: 'image', source: { type: 'url', url: source.url } };
  return undefined;
}

type MediaType = Extract<ImagePart['source'], { type: 'base64' }>['media_type'];

function isImageType(value: unknown): value is MediaType {
  return value === 'image/png' || value === 'image/jpeg' || value === 'image/gif' || value === 'image/webp';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
