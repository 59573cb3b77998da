import type { Usage } from '@figaro/protocol';

/** Inline image data or a URL the model fetches itself. */
export type ImageSource =
  | { type: 'base64'; media_type: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp'; data: string }
  | { type: 'url'; url: string };

/** A text block (Anthropic's shape, as every engine's messages are). */
export interface TextPart {
  type: 'text';
  text: string;
}

/** An image block. */
export interface ImagePart {
  type: 'image';
  source: ImageSource;
}

/** What a tool returns: text and images. */
export type ToolResultContent = TextPart | ImagePart;

/** The model asked for a tool; `input` is whatever the model produced (parsed by the tool's schema). */
export interface ToolUsePart {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

/** The answer to one `tool_use`, in the next user message. */
export interface ToolResultPart {
  type: 'tool_result';
  tool_use_id: string;
  content: ToolResultContent[];
  /** True when the tool failed or refused; the model sees the content as the error. */
  is_error?: boolean;
}

/** Any block of a conversation message. */
export type MessagePart = TextPart | ImagePart | ToolUsePart | ToolResultPart;

/** One message of the conversation, Anthropic-style: roles alternate, tool results live in user messages. */
export interface ModelMessage {
  role: 'user' | 'assistant';
  content: MessagePart[];
}

/** A function tool the model may call: name, description and a JSON schema of its input object. */
export interface FunctionToolSpec {
  kind: 'function';
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/**
 * The computer tool marker: engines with a native computer tool (Anthropic) declare theirs with this
 * display size; others offer a function tool `name` with `inputSchema` (an `action` enum).
 */
export interface ComputerToolSpec {
  kind: 'computer';
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** Size of the screenshots the model sees, in pixels; coordinates refer to it. */
  displayWidth: number;
  displayHeight: number;
  /** Whether the `zoom` action is offered. */
  enableZoom: boolean;
}

/** A tool as the model sees it. */
export type ToolSpec = FunctionToolSpec | ComputerToolSpec;

/** Everything one model request needs. */
export interface ModelTurn {
  model: string;
  system: string;
  messages: readonly ModelMessage[];
  tools: readonly ToolSpec[];
  /** Output token limit of this turn. */
  maxTokens: number;
  /**
   * Indexes into `messages` whose last block carries a prompt-cache breakpoint (engines without prompt
   * caching ignore them). The system prompt always carries one where caching is supported.
   */
  cacheBreakpoints?: readonly number[];
}

/** Why the model stopped; engine-specific reasons map to `other`. */
export const StopReason = {
  endTurn: 'end_turn',
  toolUse: 'tool_use',
  maxTokens: 'max_tokens',
  stopSequence: 'stop_sequence',
  pauseTurn: 'pause_turn',
  refusal: 'refusal',
  other: 'other',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

/** What a model stream yields, in order: text deltas and tool calls as they complete, usage, then stop. */
export type ModelEvent =
  | { type: 'text_delta'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  /** The turn's usage so far; the last one of a turn is its total. */
  | { type: 'usage'; usage: Usage }
  | { type: 'stop'; reason: StopReason; messageId?: string; model?: string };

/**
 * The model seam. One call is one model turn, streamed. Aborting `signal` ends the stream promptly
 * (the iterator throws). Transport and API failures throw `ModelError` after the engine's retries.
 */
export interface ModelClient {
  run(turn: ModelTurn, signal: AbortSignal): AsyncIterable<ModelEvent>;
}
