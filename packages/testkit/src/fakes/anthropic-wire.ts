import { splitInto } from './http.js';
import { preview } from './script.js';

/** Token usage of one scripted Anthropic reply, in wire names. Unset counts default to 10 / 10 / 0 / 0. */
export interface AnthropicUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
  readonly cache_creation_input_tokens?: number;
  readonly cache_read_input_tokens?: number;
}

/** A tool call the fake model makes. `id` defaults to a unique `toolu_fake_…`. */
export interface ScriptedToolUse {
  readonly name: string;
  readonly input: unknown;
  readonly id?: string;
}

/**
 * A declarative reply: an optional text block, then one `tool_use` block per entry of `toolUses`.
 * Answered as SSE when the request streams, as JSON otherwise.
 */
export interface AnthropicReply {
  readonly text?: string;
  readonly toolUses?: readonly ScriptedToolUse[];
  /** Default `tool_use` when there are tool uses, else `end_turn`. */
  readonly stopReason?: string;
  readonly usage?: AnthropicUsage;
  /** Wait this long before answering (cut short if the client disconnects). */
  readonly delayMs?: number;
  /** When streaming, wait this long between SSE events. */
  readonly eventDelayMs?: number;
  /**
   * When streaming, send message_start and ping, then hold the stream open until the client
   * disconnects (or the fake stops): the step for "stop aborts the model stream" tests.
   */
  readonly hang?: boolean;
}

/** An API error answer, e.g. `{status: 529, type: 'overloaded_error', message: 'Overloaded'}`. */
export interface AnthropicApiError {
  readonly error: { readonly status: number; readonly type: string; readonly message: string };
  readonly delayMs?: number;
}

/** A reply or an error, as a step function may return it. */
export type AnthropicAnswer = AnthropicReply | AnthropicApiError;

/** A reply whose only content is `text` (a final answer). A valid step for both fakes. */
export function textReply(text: string): { readonly text: string } {
  return { text };
}

/** An Anthropic reply that calls one tool, with no text before it; spread it to add usage etc. */
export function toolUse(name: string, input: unknown): { readonly toolUses: readonly ScriptedToolUse[] } {
  return { toolUses: [{ name, input }] };
}

/** Summarises a step for failure messages. */
export function describeAnthropicAnswer(answer: AnthropicAnswer): string {
  if ('error' in answer) return `error ${answer.error.status} ${answer.error.type}`;
  const parts: string[] = [];
  if (answer.text !== undefined) parts.push(`text "${preview(answer.text)}"`);
  for (const use of answer.toolUses ?? [])
    parts.push(`tool_use ${use.name} ${preview(JSON.stringify(use.input))}`);
  if (answer.hang) parts.push('hang');
  return parts.join(', ') || 'empty reply';
}

/** The body of an Anthropic error response. */
export function anthropicErrorBody(type: string, message: string, requestId: string): unknown {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

type ContentOut =
  | { type: 'text'; text: string; citations: null }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/** A complete `message` object as the Messages API returns it. */
export interface MessageOut {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentOut[];
  stop_reason: string;
  stop_sequence: null;
  usage: Required<AnthropicUsage>;
}

/** Builds the message a reply stands for; `nextToolId` hands out ids for tool uses without one. */
export function buildMessage(
  reply: AnthropicReply,
  id: string,
  model: string,
  nextToolId: () => string,
): MessageOut {
  const content: ContentOut[] = [];
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text, citations: null });
  for (const use of reply.toolUses ?? []) {
    content.push({ type: 'tool_use', id: use.id ?? nextToolId(), name: use.name, input: use.input ?? {} });
  }
  const usage = reply.usage ?? {};
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: reply.stopReason ?? (reply.toolUses?.length ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: {
      input_tokens: usage.input_tokens ?? 10,
      output_tokens: usage.output_tokens ?? 10,
      cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    },
  };
}

/** One SSE frame in the Messages API's format (`event:` line, `data:` line, blank line). */
function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The frames that open a stream: message_start (empty content, output_tokens 1) and ping. */
export function openingFrames(message: MessageOut): string[] {
  const start = { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } };
  return [
    sseFrame('message_start', { type: 'message_start', message: start }),
    sseFrame('ping', { type: 'ping' }),
  ];
}

/**
 * The frames after the opening: per block content_block_start, several content_block_delta
 * (text_delta, or input_json_delta with the tool input JSON split into pieces), content_block_stop;
 * then message_delta (stop_reason, usage) and message_stop.
 */
export function contentFrames(message: MessageOut): string[] {
  const frames: string[] = [];
  for (const [index, block] of message.content.entries()) {
    if (block.type === 'text') {
      frames.push(
        sseFrame('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        }),
      );
      for (const text of splitInto(block.text, 3)) {
        frames.push(
          sseFrame('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text },
          }),
        );
      }
    } else {
      const start = { type: 'tool_use', id: block.id, name: block.name, input: {} };
      frames.push(
        sseFrame('content_block_start', { type: 'content_block_start', index, content_block: start }),
      );
      for (const partial_json of splitInto(JSON.stringify(block.input), 3)) {
        const delta = { type: 'input_json_delta', partial_json };
        frames.push(sseFrame('content_block_delta', { type: 'content_block_delta', index, delta }));
      }
    }
    frames.push(sseFrame('content_block_stop', { type: 'content_block_stop', index }));
  }
  const delta = { stop_reason: message.stop_reason, stop_sequence: null };
  frames.push(sseFrame('message_delta', { type: 'message_delta', delta, usage: message.usage }));
  frames.push(sseFrame('message_stop', { type: 'message_stop' }));
  return frames;
}
