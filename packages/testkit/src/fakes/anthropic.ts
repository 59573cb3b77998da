import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AnthropicAnswer,
  anthropicErrorBody,
  buildMessage,
  contentFrames,
  describeAnthropicAnswer,
  openingFrames,
} from './anthropic-wire.js';
import {
  agentPrefix,
  apiKeyOf,
  disconnectSignal,
  headerRecord,
  isRecord,
  listen,
  prefixOf,
  readBody,
  sendJson,
  sendWebResponse,
  sleep,
  startSse,
  untilAborted,
  writeFrames,
} from './http.js';
import { type ChatMessage, lastUserText, parseMessages } from './messages.js';
import { assertAllDone, preview, queryRecord, type RecordedRequestBase, Script } from './script.js';

/** The JSON body of a Messages API request, checked for `model`, `max_tokens` and `messages`. */
export interface AnthropicRequestBody {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly ChatMessage[];
  readonly stream?: unknown;
  readonly system?: unknown;
  readonly tools?: unknown;
  readonly [key: string]: unknown;
}

/** A request the fake Anthropic server received. */
export interface RecordedAnthropicRequest extends RecordedRequestBase {
  readonly api: 'anthropic';
  readonly body: AnthropicRequestBody;
  /** The path carried `?beta=true` (the SDK's `client.beta.*` and claude-code do). */
  readonly beta: boolean;
  /** The body asked for SSE (`stream: true`). */
  readonly stream: boolean;
}

/**
 * One scripted step: a declarative reply or API error, or a function of the recorded request that
 * returns one (or a WHATWG `Response`, sent as is). A function that throws records a failure (so a
 * failed `expect` inside it fails `assertDone`) and answers 500.
 */
export type AnthropicStep =
  | AnthropicAnswer
  | ((request: RecordedAnthropicRequest) => AnthropicAnswer | Response | Promise<AnthropicAnswer | Response>);

/** The script of one agent (one path prefix) on a fake Anthropic server. */
export class AnthropicScript extends Script<AnthropicStep, RecordedAnthropicRequest> {
  /** The base URL to give the SDK (`baseURL`) or claude-code (`ANTHROPIC_BASE_URL`). */
  readonly baseUrl: string;

  /** Made by `FakeAnthropic`; tests get scripts from `fake.script` and `fake.agent(name)`. */
  constructor(baseUrl: string, label: string) {
    super(label, (step) => (typeof step === 'function' ? 'function step' : describeAnthropicAnswer(step)));
    this.baseUrl = baseUrl;
  }
}

/** Options of `startFakeAnthropic`. */
export interface FakeAnthropicOptions {
  /** Accept only this key (else any non-empty `x-api-key` or Bearer token). */
  readonly apiKey?: string;
}

/** A scripted local Anthropic Messages API server. */
export interface FakeAnthropic {
  /** Origin of the server, e.g. `http://127.0.0.1:41234`; also the root script's base URL. */
  readonly url: string;
  /** The script for requests without a path prefix (`${url}/v1/messages`). */
  readonly script: AnthropicScript;
  /** The script for `/<name>/v1/messages`, created on first use; its `baseUrl` is `${url}/<name>`. */
  agent(name: string): AnthropicScript;
  /** Throws listing every script's unexpected requests and unconsumed steps, and unknown routes. */
  assertDone(): void;
  /** Closes the server, cutting any open stream. */
  stop(): Promise<void>;
}

/**
 * Starts a fake Anthropic Messages API on a free 127.0.0.1 port: `POST [/<prefix>]/v1/messages`
 * (with or without `?beta=true`), streaming or JSON, answered from per-prefix scripts.
 */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const scripts = new Map<string, AnthropicScript>();
  const ownFailures: string[] = [];
  let counter = 0;
  const nextId = (kind: string): string => `${kind}_fake_${String(++counter).padStart(4, '0')}`;
  let origin = '';

  const scriptFor = (prefix: string): AnthropicScript => {
    let script = scripts.get(prefix);
    if (!script) {
      const label = prefix ? `fake Anthropic agent "${prefix}"` : 'fake Anthropic';
      script = new AnthropicScript(prefix ? `${origin}/${prefix}` : origin, label);
      scripts.set(prefix, script);
    }
    return script;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = disconnectSignal(res);
    const url = new URL(req.url ?? '/', 'http://fake');
    const prefix = prefixOf(url.pathname, '/v1/messages');
    const requestId = nextId('req');
    const fail = (status: number, type: string, message: string, noRetry = false): void =>
      sendJson(res, status, anthropicErrorBody(type, message, requestId), {
        'request-id': requestId,
        ...(noRetry ? { 'x-should-retry': 'false' } : {}),
      });

    if (prefix === undefined || req.method !== 'POST') {
      ownFailures.push(`unexpected route ${req.method} ${req.url}`);
      return fail(
        404,
        'not_found_error',
        `fake Anthropic serves only POST /v1/messages, not ${req.method} ${req.url}`,
      );
    }
    const script = scriptFor(prefix);
    const headers = headerRecord(req);
    const apiKey = apiKeyOf(headers);
    const raw = await readBody(req);
    if (!apiKey || (options.apiKey !== undefined && apiKey !== options.apiKey)) {
      script.fail(`request to ${req.url} with ${apiKey ? 'a wrong' : 'no'} API key`);
      return fail(401, 'authentication_error', 'invalid x-api-key');
    }
    const body = parseBody(raw);
    if (typeof body === 'string') {
      script.fail(`malformed request to ${req.url}: ${body}`);
      return fail(400, 'invalid_request_error', body, true);
    }
    const query = queryRecord(url.searchParams);
    const { request, step } = script.take(
      (seq) => ({
        seq,
        method: 'POST',
        path: req.url ?? '',
        prefix,
        query,
        headers,
        apiKey,
        api: 'anthropic',
        body,
        beta: query.beta === 'true',
        stream: body.stream === true,
      }),
      (r) => `${r.path} (last user text "${preview(lastUserText(r))}")`,
    );
    signal.addEventListener('abort', () => script.disconnected(request.seq), { once: true });
    if (step === undefined) {
      const message = `${script.label}: unexpected request #${request.seq} to ${request.path}: no scripted step left`;
      return fail(500, 'api_error', message, true);
    }

    let answer: AnthropicAnswer | Response;
    try {
      answer = typeof step === 'function' ? await step(request) : step;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      script.fail(`step for request #${request.seq} threw: ${message}`);
      return fail(500, 'api_error', `${script.label}: step threw: ${message}`, true);
    }
    if (answer instanceof Response) return sendWebResponse(res, answer, signal);

    await sleep(answer.delayMs ?? 0, signal);
    if (signal.aborted) return;
    if ('error' in answer) return fail(answer.error.status, answer.error.type, answer.error.message);

    const message = buildMessage(answer, nextId('msg'), body.model, () => nextId('toolu'));
    if (!request.stream) {
      if (answer.hang) return untilAborted(signal);
      return sendJson(res, 200, message, { 'request-id': requestId });
    }
    startSse(res, { 'request-id': requestId });
    if (!(await writeFrames(res, openingFrames(message), signal, answer.eventDelayMs))) return;
    if (answer.hang) return untilAborted(signal);
    await sleep(answer.eventDelayMs ?? 0, signal);
    if (await writeFrames(res, contentFrames(message), signal, answer.eventDelayMs)) res.end();
  }

  const server = await listen(handle);
  origin = server.url;
  const root = scriptFor('');
  return {
    url: origin,
    script: root,
    agent: (name) => scriptFor(agentPrefix(name)),
    assertDone: () => assertAllDone('fake Anthropic server', scripts.values(), ownFailures),
    stop: () => server.close(),
  };
}

function parseBody(raw: Buffer): AnthropicRequestBody | string {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  if (!isRecord(json)) return 'body must be a JSON object';
  const { model, max_tokens } = json;
  if (typeof model !== 'string') return '`model` must be a string';
  if (typeof max_tokens !== 'number') return '`max_tokens` must be a number';
  const messages = parseMessages(json.messages);
  if (typeof messages === 'string') return messages;
  return { ...json, model, max_tokens, messages };
}
