import Anthropic from '@anthropic-ai/sdk';
import { CancelledError, ModelError } from '../../errors.js';
import type { ModelClient, ModelEvent, ModelTurn } from '../model-client.js';
import { anthropicMessages, betaTools, gaTools, systemBlocks } from './anthropic-request.js';
import { type AnthropicStreamEvent, AnthropicStreamMapper } from './anthropic-stream.js';
import {
  type AnthropicComputerTool,
  computerBetaHeader,
  DEFAULT_ANTHROPIC_COMPUTER_TOOL,
} from './computer-tool-version.js';

/** Options of `AnthropicModelClient`. */
export interface AnthropicModelClientOptions {
  /** API key (`ANTHROPIC_API_KEY`, read by the composition root). Ignored when `client` is given. */
  apiKey?: string;
  /** OAuth/bearer token instead of an API key. */
  authToken?: string;
  /** API base URL (`ANTHROPIC_BASE_URL`); default the SDK's. */
  baseURL?: string;
  /** SDK retries of a failed request (429, 5xx, connection errors) with backoff. Default 2. */
  maxRetries?: number;
  /** Request timeout in milliseconds; default the SDK's (10 minutes). */
  timeoutMs?: number;
  /** Native computer tool version; default `computer_20251124` (beta header `computer-use-2025-11-24`). */
  computerTool?: AnthropicComputerTool;
  /** Prompt-caching breakpoints on the system prompt and the turn's `cacheBreakpoints`. Default true. */
  promptCaching?: boolean;
  /** A ready SDK client (tests, Bedrock/Vertex-compatible clients); the options above are then ignored. */
  client?: Anthropic;
}

/**
 * The `anthropic` engine: one streamed Messages API call per turn (`messages.stream`, or
 * `beta.messages.stream` with the computer tool's beta header), never the SDK's tool runner, whose
 * server-side threads a stateless loop cannot use.
 */
export class AnthropicModelClient implements ModelClient {
  readonly #client: Anthropic;
  readonly #computerTool: AnthropicComputerTool;
  readonly #promptCaching: boolean;

  constructor(options: AnthropicModelClientOptions = {}) {
    this.#client =
      options.client ??
      new Anthropic({
        apiKey: options.apiKey ?? null,
        authToken: options.authToken ?? null,
        maxRetries: options.maxRetries ?? 2,
        ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      });
    this.#computerTool = options.computerTool ?? DEFAULT_ANTHROPIC_COMPUTER_TOOL;
    this.#promptCaching = options.promptCaching ?? true;
  }

  async *run(turn: ModelTurn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    const computerName = turn.tools.find((t) => t.kind === 'computer')?.name ?? 'computer';
    const mapper = new AnthropicStreamMapper(computerName);
    try {
      for await (const event of this.#open(turn, signal)) yield* mapper.push(event);
    } catch (err) {
      if (signal.aborted) throw new CancelledError('model stream aborted', { cause: err });
      if (err instanceof ModelError) throw err;
      const status = err instanceof Anthropic.APIError ? err.status : undefined;
      throw new ModelError(`Anthropic request failed: ${errorText(err)}`, {
        cause: err,
        ...(status !== undefined ? { status } : {}),
      });
    }
  }

  #open(turn: ModelTurn, signal: AbortSignal): AsyncIterable<AnthropicStreamEvent> {
    const options = { computerTool: this.#computerTool, promptCaching: this.#promptCaching };
    const common = {
      model: turn.model,
      max_tokens: turn.maxTokens,
      system: systemBlocks(turn.system, options),
      messages: anthropicMessages(turn, options),
    };
    const beta = computerBetaHeader(this.#computerTool);
    const hasComputer = turn.tools.some((t) => t.kind === 'computer');
    if (beta !== undefined && hasComputer) {
      return this.#client.beta.messages.stream(
        { ...common, tools: betaTools(turn.tools, this.#computerTool), betas: [beta] },
        { signal },
      );
    }
    return this.#client.messages.stream({ ...common, tools: gaTools(turn.tools) }, { signal });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
