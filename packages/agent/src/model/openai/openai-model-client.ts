import OpenAI from 'openai';
import { CancelledError, ModelError } from '../../errors.js';
import type { ModelClient, ModelEvent, ModelTurn } from '../model-client.js';
import { openaiMessages, openaiTools } from './openai-request.js';
import { OpenAIStreamMapper } from './openai-stream.js';

/** Options of `OpenAIModelClient`. */
export interface OpenAIModelClientOptions {
  /** API key (`OPENAI_API_KEY`, read by the composition root); local servers accept any. */
  apiKey?: string;
  /** Base URL of an OpenAI-compatible API (`OPENAI_BASE_URL`), e.g. `http://127.0.0.1:11434/v1`. */
  baseURL?: string;
  /** SDK retries of a failed request with backoff. Default 2. */
  maxRetries?: number;
  /** Request timeout in milliseconds; default the SDK's. */
  timeoutMs?: number;
  /** A ready SDK client; the options above are then ignored. */
  client?: OpenAI;
}

/**
 * The `openai` engine: any OpenAI-compatible chat-completions endpoint with tool calling and image
 * input (OpenAI, vLLM, Ollama …), streamed with usage. The computer tool is a plain function tool.
 */
export class OpenAIModelClient implements ModelClient {
  readonly #client: OpenAI;

  constructor(options: OpenAIModelClientOptions = {}) {
    this.#client =
      options.client ??
      new OpenAI({
        apiKey: options.apiKey ?? 'unused',
        maxRetries: options.maxRetries ?? 2,
        ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      });
  }

  async *run(turn: ModelTurn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    const mapper = new OpenAIStreamMapper();
    try {
      const tools = openaiTools(turn.tools);
      const stream = await this.#client.chat.completions.create(
        {
          model: turn.model,
          messages: openaiMessages(turn),
          ...(tools.length > 0 ? { tools } : {}),
          max_tokens: turn.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal },
      );
      for await (const chunk of stream) yield* mapper.push(chunk);
    } catch (err) {
      if (signal.aborted) throw new CancelledError('model stream aborted', { cause: err });
      const status = err instanceof OpenAI.APIError ? err.status : undefined;
      throw new ModelError(
        `OpenAI-compatible request failed: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
          ...(status !== undefined ? { status } : {}),
        },
      );
    }
    yield* mapper.end();
  }
}
