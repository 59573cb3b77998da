import { splitInto } from './http.js';
import { preview } from './script.js';

/** Token usage of one scripted chat completion. Unset counts default to 10 / 10. */
export interface OpenAIUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
}

/** A function call the fake model makes; `arguments` is an object, sent JSON-encoded. */
export interface ScriptedToolCall {
  readonly name: string;
  readonly arguments: unknown;
  /** Defaults to a unique `call_fake_…`. */
  readonly id?: string;
}

/** A declarative chat completion: optional assistant text, then the tool calls. */
export interface OpenAIReply {
  readonly text?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: string;
  readonly usage?: OpenAIUsage;
  /** Wait this long before answering (cut short if the client disconnects). */
  readonly delayMs?: number;
  /** When streaming, wait this long between chunks. */
  readonly eventDelayMs?: number;
  /** When streaming, send the first chunk, then hold the stream open until the client disconnects. */
  readonly hang?: boolean;
}

/** An API error answer, e.g. `{status: 429, type: 'rate_limit_error', message: 'slow down'}`. */
export interface OpenAIApiError {
  readonly error: {
    readonly status: number;
    readonly type: string;
    readonly message: string;
    readonly code?: string;
  };
  readonly delayMs?: number;
}

/** A reply or an error, as a step function may return it. */
export type OpenAIAnswer = OpenAIReply | OpenAIApiError;

/** An OpenAI reply that calls one function, with no text; spread it to add usage etc. */
export function toolCall(name: string, args: unknown): { readonly toolCalls: readonly ScriptedToolCall[] } {
  return { toolCalls: [{ name, arguments: args }] };
}

/** Summarises a step for failure messages. */
export function describeOpenAIAnswer(answer: OpenAIAnswer): string {
  if ('error' in answer) return `error ${answer.error.status} ${answer.error.type}`;
  const parts: string[] = [];
  if (answer.text !== undefined) parts.push(`text "${preview(answer.text)}"`);
  for (const call of answer.toolCalls ?? [])
    parts.push(`tool_call ${call.name} ${preview(JSON.stringify(call.arguments))}`);
  if (answer.hang) parts.push('hang');
  return parts.join(', ') || 'empty reply';
}

/** The body of an OpenAI error response. */
export function openAIErrorBody(error: OpenAIApiError['error']): unknown {
  return { error: { message: error.message, type: error.type, param: null, code: error.code ?? null } };
}

interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A complete `chat.completion` object. */
export interface CompletionOut {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: null;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: ToolCallOut[] };
      logprobs: null;
      finish_reason: string;
    },
  ];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** Builds the completion a reply stands for; `nextCallId` hands out ids for calls without one. */
export function buildCompletion(
  reply: OpenAIReply,
  id: string,
  model: string,
  nextCallId: () => string,
): CompletionOut {
  const toolCalls = (reply.toolCalls ?? []).map(
    (call): ToolCallOut => ({
      id: call.id ?? nextCallId(),
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
    }),
  );
  const prompt = reply.usage?.prompt_tokens ?? 10;
  const completion = reply.usage?.completion_tokens ?? 10;
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
      },
    ],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/**
 * The `data:` frames of a streamed completion: a role chunk, content pieces, per tool call a chunk
 * with id and name then pieces of `function.arguments`, the finish_reason chunk, a usage chunk (empty
 * choices) when `includeUsage`, and `data: [DONE]`. The first frame alone opens a hanging stream.
 */
export function completionFrames(completion: CompletionOut, includeUsage: boolean): string[] {
  const { message, finish_reason } = completion.choices[0];
  const chunk = (delta: unknown, finish: string | null = null): string => {
    const base = { id: completion.id, object: 'chat.completion.chunk', created: completion.created };
    const choice = { index: 0, delta, logprobs: null, finish_reason: finish };
    const data = { ...base, model: completion.model, system_fingerprint: null, choices: [choice] };
    return `data: ${JSON.stringify(includeUsage ? { ...data, usage: null } : data)}\n\n`;
  };
  const frames = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const content of splitInto(message.content ?? '', 3)) frames.push(chunk({ content }));
  for (const [index, call] of (message.tool_calls ?? []).entries()) {
    const fn = { name: call.function.name, arguments: '' };
    frames.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: fn }] }));
    for (const args of splitInto(call.function.arguments, 3)) {
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: args } }] }));
    }
  }
  frames.push(chunk({}, finish_reason));
  if (includeUsage) {
    const data = { id: completion.id, object: 'chat.completion.chunk', created: completion.created };
    const usageChunk = {
      ...data,
      model: completion.model,
      system_fingerprint: null,
      choices: [],
      usage: completion.usage,
    };
    frames.push(`data: ${JSON.stringify(usageChunk)}\n\n`);
  }
  frames.push('data: [DONE]\n\n');
  return frames;
}
