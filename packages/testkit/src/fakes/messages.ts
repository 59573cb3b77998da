import { isRecord } from './http.js';

/** A content block (Anthropic) or content part (OpenAI) as the client sent it. */
export interface ContentBlock {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * A message of a recorded request. `content` is `null` when absent (OpenAI assistant turns that only
 * call tools). claude-code also sends `role: "system"` messages in the middle of the list.
 */
export interface ChatMessage {
  readonly role: string;
  readonly content: string | readonly ContentBlock[] | null;
  readonly [key: string]: unknown;
}

/** Any recorded model request the inspection helpers understand (both fakes' requests are). */
export interface ChatRequestLike {
  readonly api: 'anthropic' | 'openai';
  readonly body: { readonly messages: readonly ChatMessage[] };
}

/** One tool result the client sent back to the model. */
export interface ToolResult {
  /** Anthropic `tool_use_id` / OpenAI `tool_call_id`. */
  readonly toolUseId: string;
  /** The result's content as blocks (string content becomes one text block). */
  readonly content: readonly ContentBlock[];
  /** Anthropic `is_error`; always false for OpenAI, which has no such flag. */
  readonly isError: boolean;
  /** The text blocks of `content`, joined with newlines. */
  readonly text: string;
}

/** Parses a `messages` array into typed messages, or returns why it is malformed. */
export function parseMessages(value: unknown): ChatMessage[] | string {
  if (!Array.isArray(value)) return '`messages` must be an array';
  const out: ChatMessage[] = [];
  for (const [i, message] of value.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string') return `messages[${i}] needs a string role`;
    const content = parseContent(message.content);
    if (typeof content === 'object' && content !== null && !Array.isArray(content)) {
      return `messages[${i}].content: ${content.error}`;
    }
    out.push({ ...message, role: message.role, content });
  }
  return out;
}

function parseContent(value: unknown): string | ContentBlock[] | null | { error: string } {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return { error: 'must be a string or an array of blocks' };
  const blocks: ContentBlock[] = [];
  for (const block of value) {
    if (!isRecord(block) || typeof block.type !== 'string')
      return { error: 'every block needs a string type' };
    blocks.push({ ...block, type: block.type });
  }
  return blocks;
}

/** The content of a message or tool result as blocks. */
function blocksOf(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content
    .filter(isRecord)
    .flatMap((b) => (typeof b.type === 'string' ? [{ ...b, type: b.type }] : []));
}

/** The text blocks among `blocks`, joined with newlines. */
function textOf(blocks: readonly ContentBlock[]): string {
  return blocks.flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : [])).join('\n');
}

/**
 * The tool results of the request's latest turn: for Anthropic the `tool_result` blocks of the last
 * `user` message (skipping `system` messages claude-code puts in between); for OpenAI the `tool`
 * messages after the last assistant message.
 */
export function toolResults(request: ChatRequestLike): ToolResult[] {
  const messages = request.body.messages;
  if (request.api === 'openai') {
    const lastAssistant = messages.findLastIndex((m) => m.role === 'assistant');
    return messages.slice(lastAssistant + 1).flatMap((m) => {
      if (m.role !== 'tool') return [];
      const content = blocksOf(m.content);
      return [{ toolUseId: String(m.tool_call_id ?? ''), content, isError: false, text: textOf(content) }];
    });
  }
  const lastUser = messages.findLast((m) => m.role === 'user');
  return blocksOf(lastUser?.content).flatMap((b) => {
    if (b.type !== 'tool_result') return [];
    const content = blocksOf(b.content);
    return [
      {
        toolUseId: String(b.tool_use_id ?? ''),
        content,
        isError: b.is_error === true,
        text: textOf(content),
      },
    ];
  });
}

/**
 * Counts the images a request carries: Anthropic `image` blocks (also inside tool results) and
 * OpenAI `image_url` parts, across all messages.
 */
export function countImages(request: ChatRequestLike): number {
  const count = (blocks: readonly ContentBlock[]): number =>
    blocks.reduce(
      (n, b) => n + (b.type === 'image' || b.type === 'image_url' ? 1 : 0) + count(blocksOf(b.content)),
      0,
    );
  return request.body.messages.reduce(
    (n, m) => n + (typeof m.content === 'string' ? 0 : count(m.content ?? [])),
    0,
  );
}

/** The text of the request's last `user` message (its text blocks, not its tool results). */
export function lastUserText(request: ChatRequestLike): string {
  const lastUser = request.body.messages.findLast((m) => m.role === 'user');
  return textOf(blocksOf(lastUser?.content));
}
