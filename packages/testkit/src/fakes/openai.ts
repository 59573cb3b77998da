import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  agentPrefix,
  apiKeyOf,
  disconnectSignal,
  headerRecord,
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
import {
  embeddingInputs,
  encodeEmbedding,
  hasModel,
  parseMultipart,
  pseudoEmbedding,
  transcriptionBody,
} from './openai-media.js';
import {
  buildCompletion,
  completionFrames,
  describeOpenAIAnswer,
  type OpenAIAnswer,
  type OpenAIApiError,
  openAIErrorBody,
} from './openai-wire.js';
import { assertAllDone, preview, queryRecord, type RecordedRequestBase, Script } from './script.js';

/** The JSON body of a chat completions request, checked for `model` and `messages`. */
export interface OpenAIRequestBody {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream?: unknown;
  readonly stream_options?: unknown;
  readonly tools?: unknown;
  readonly [key: string]: unknown;
}

/** Fields every request to the fake OpenAI server records. */
type RequestMeta = Omit<RecordedRequestBase, 'seq'>;

/** A chat completions request the fake OpenAI server received. */
export interface RecordedOpenAIRequest extends RecordedRequestBase {
  readonly api: 'openai';
  readonly body: OpenAIRequestBody;
  readonly stream: boolean;
}

/** One scripted chat completion: a reply or error, or a function of the request returning one (or a `Response`). */
export type OpenAIStep =
  | OpenAIAnswer
  | ((request: RecordedOpenAIRequest) => OpenAIAnswer | Response | Promise<OpenAIAnswer | Response>);

/** The chat-completions script of one agent (one path prefix) on a fake OpenAI server. */
export class OpenAIScript extends Script<OpenAIStep, RecordedOpenAIRequest> {
  /** The base URL to give the SDK (`baseURL`) or `OPENAI_BASE_URL`: it ends in `/v1`. */
  readonly baseUrl: string;

  /** Made by `FakeOpenAI`; tests get scripts from `fake.script` and `fake.agent(name)`. */
  constructor(baseUrl: string, label: string) {
    super(label, (step) => (typeof step === 'function' ? 'function step' : describeOpenAIAnswer(step)));
    this.baseUrl = baseUrl;
  }
}

/** A transcription request: the uploaded file and the other form fields. */
export interface RecordedTranscription extends RecordedRequestBase {
  readonly model: string | undefined;
  readonly fileName: string | undefined;
  readonly fileBytes: number;
  readonly fields: Readonly<Record<string, string>>;
}

/** A scripted transcript (the text) or an API error. */
export type TranscriptStep = string | OpenAIApiError;

/** An embeddings request: its model and inputs. */
export interface RecordedEmbedding {
  readonly model: string;
  readonly input: readonly string[];
}

/** Options of `startFakeOpenAI`. */
export interface FakeOpenAIOptions {
  /** Accept only this Bearer key (else any key, or none: vLLM and Ollama need none). */
  readonly apiKey?: string;
  /** Length of the pseudo-embeddings unless a request sets `dimensions`. Default 1536. */
  readonly embeddingDimensions?: number;
}

/** A scripted local OpenAI-compatible server. */
export interface FakeOpenAI {
  /** Origin of the server, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The root script's base URL, `${url}/v1`. */
  readonly baseUrl: string;
  /** The chat-completions script for `/v1/chat/completions`. */
  readonly script: OpenAIScript;
  /** The script for `/<name>/v1/chat/completions`, created on first use; `baseUrl` is `${url}/<name>/v1`. */
  agent(name: string): OpenAIScript;
  /** Scripted transcripts for `POST /v1/audio/transcriptions`, one per request. */
  readonly transcripts: Script<TranscriptStep, RecordedTranscription>;
  /** Every embeddings request, in order (embeddings are computed, not scripted). */
  readonly embeddings: readonly RecordedEmbedding[];
  /** Throws listing every script's unexpected requests and unconsumed steps, and unknown routes. */
  assertDone(): void;
  /** Closes the server, cutting any open stream. */
  stop(): Promise<void>;
}

/**
 * Starts a fake OpenAI-compatible API on a free 127.0.0.1 port: scripted `POST
 * [/<prefix>]/v1/chat/completions` (SSE or JSON), computed `/v1/embeddings`, scripted
 * `/v1/audio/transcriptions`.
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const scripts = new Map<string, OpenAIScript>();
  const transcripts = new Script<TranscriptStep, RecordedTranscription>('fake OpenAI transcripts', (step) =>
    typeof step === 'string' ? `transcript "${preview(step)}"` : describeOpenAIAnswer(step),
  );
  const embeddings: RecordedEmbedding[] = [];
  const ownFailures: string[] = [];
  let counter = 0;
  const nextId = (kind: string): string => `${kind}_fake_${String(++counter).padStart(4, '0')}`;
  let origin = '';

  const scriptFor = (prefix: string): OpenAIScript => {
    let script = scripts.get(prefix);
    if (!script) {
      const label = prefix ? `fake OpenAI agent "${prefix}"` : 'fake OpenAI';
      script = new OpenAIScript(`${origin}${prefix ? `/${prefix}` : ''}/v1`, label);
      scripts.set(prefix, script);
    }
    return script;
  };
  const fail = (res: ServerResponse, status: number, type: string, message: string): void =>
    sendJson(
      res,
      status,
      openAIErrorBody({ status, type, message }),
      status >= 500 ? { 'x-should-retry': 'false' } : {},
    );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = disconnectSignal(res);
    const url = new URL(req.url ?? '/', 'http://fake');
    const headers = headerRecord(req);
    const apiKey = apiKeyOf(headers);
    const raw = await readBody(req);
    const meta = {
      method: req.method ?? '',
      path: req.url ?? '',
      query: queryRecord(url.searchParams),
      headers,
      apiKey,
    };
    if (options.apiKey !== undefined && apiKey !== options.apiKey) {
      ownFailures.push(`request to ${req.url} with ${apiKey ? 'a wrong' : 'no'} API key`);
      return fail(res, 401, 'invalid_request_error', 'Incorrect API key provided');
    }
    const chatPrefix = prefixOf(url.pathname, '/v1/chat/completions');
    if (req.method === 'POST' && chatPrefix !== undefined) {
      return chat(res, scriptFor(chatPrefix), { ...meta, prefix: chatPrefix }, raw, signal);
    }
    if (req.method === 'POST' && prefixOf(url.pathname, '/v1/embeddings') !== undefined)
      return embed(res, raw);
    const audioPrefix = prefixOf(url.pathname, '/v1/audio/transcriptions');
    if (req.method === 'POST' && audioPrefix !== undefined)
      return transcribe(res, { ...meta, prefix: audioPrefix }, raw);
    ownFailures.push(`unexpected route ${req.method} ${req.url}`);
    return fail(res, 404, 'invalid_request_error', `fake OpenAI does not serve ${req.method} ${req.url}`);
  }

  async function chat(
    res: ServerResponse,
    script: OpenAIScript,
    meta: RequestMeta,
    raw: Buffer,
    signal: AbortSignal,
  ) {
    const body = parseBody(raw);
    if (typeof body === 'string') {
      script.fail(`malformed request to ${meta.path}: ${body}`);
      return fail(res, 400, 'invalid_request_error', body);
    }
    const { request, step } = script.take(
      (seq) => ({ ...meta, seq, api: 'openai', body, stream: body.stream === true }),
      (r) => `${r.path} (last user text "${preview(lastUserText(r))}")`,
    );
    signal.addEventListener('abort', () => script.disconnected(request.seq), { once: true });
    if (step === undefined) {
      const message = `${script.label}: unexpected request #${request.seq} to ${request.path}: no scripted step left`;
      return fail(res, 500, 'server_error', message);
    }
    let answer: OpenAIAnswer | Response;
    try {
      answer = typeof step === 'function' ? await step(request) : step;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      script.fail(`step for request #${request.seq} threw: ${message}`);
      return fail(res, 500, 'server_error', `${script.label}: step threw: ${message}`);
    }
    if (answer instanceof Response) return sendWebResponse(res, answer, signal);
    await sleep(answer.delayMs ?? 0, signal);
    if (signal.aborted) return;
    if ('error' in answer) {
      return sendJson(res, answer.error.status, openAIErrorBody(answer.error));
    }
    const completion = buildCompletion(answer, nextId('chatcmpl'), body.model, () => nextId('call'));
    if (!request.stream) {
      if (answer.hang) return untilAborted(signal);
      return sendJson(res, 200, completion);
    }
    const streamOptions = body.stream_options;
    const includeUsage =
      typeof streamOptions === 'object' && streamOptions !== null && 'include_usage' in streamOptions
        ? streamOptions.include_usage === true
        : false;
    const [first = '', ...rest] = completionFrames(completion, includeUsage);
    startSse(res);
    if (!(await writeFrames(res, [first], signal))) return;
    if (answer.hang) return untilAborted(signal);
    await sleep(answer.eventDelayMs ?? 0, signal);
    if (await writeFrames(res, rest, signal, answer.eventDelayMs)) res.end();
  }

  function embed(res: ServerResponse, raw: Buffer): void {
    const body = jsonOf(raw);
    const inputs = hasModel(body) ? embeddingInputs(body.input) : 'body needs a string `model`';
    if (!hasModel(body) || typeof inputs === 'string') {
      const message = typeof inputs === 'string' ? inputs : 'bad request';
      ownFailures.push(`malformed embeddings request: ${message}`);
      fail(res, 400, 'invalid_request_error', message);
      return;
    }
    embeddings.push({ model: body.model, input: inputs });
    const dimensions =
      typeof body.dimensions === 'number' ? body.dimensions : (options.embeddingDimensions ?? 1536);
    const data = inputs.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: encodeEmbedding(pseudoEmbedding(text, dimensions), body.encoding_format),
    }));
    const tokens = inputs.reduce((n, text) => n + Math.ceil(text.length / 4), 0);
    sendJson(res, 200, {
      object: 'list',
      data,
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  function transcribe(res: ServerResponse, meta: RequestMeta, raw: Buffer): void {
    const parts = parseMultipart(meta.headers['content-type'], raw);
    if (typeof parts === 'string') {
      transcripts.fail(`malformed transcription request: ${parts}`);
      fail(res, 400, 'invalid_request_error', parts);
      return;
    }
    const file = parts.find((p) => p.name === 'file');
    const fields = Object.fromEntries(
      parts.filter((p) => p !== file).map((p) => [p.name, p.data.toString('utf8')]),
    );
    const { step } = transcripts.take(
      (seq) => ({
        ...meta,
        seq,
        model: fields.model,
        fileName: file?.fileName,
        fileBytes: file?.data.length ?? 0,
        fields,
      }),
      (r) => `for file ${r.fileName ?? '(none)'}`,
    );
    if (step === undefined) fail(res, 500, 'server_error', 'fake OpenAI: no scripted transcript left');
    else if (typeof step !== 'string') sendJson(res, step.error.status, openAIErrorBody(step.error));
    else {
      const answer = transcriptionBody(step, fields.response_format);
      if ('json' in answer) sendJson(res, 200, answer.json);
      else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(answer.text);
    }
  }

  const server = await listen(handle);
  origin = server.url;
  const root = scriptFor('');
  return {
    url: origin,
    baseUrl: root.baseUrl,
    script: root,
    agent: (name) => scriptFor(agentPrefix(name)),
    transcripts,
    embeddings,
    assertDone: () => assertAllDone('fake OpenAI server', [...scripts.values(), transcripts], ownFailures),
    stop: () => server.close(),
  };
}

function jsonOf(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseBody(raw: Buffer): OpenAIRequestBody | string {
  const json = jsonOf(raw);
  if (!hasModel(json)) return 'body must be a JSON object with a string `model`';
  const messages = parseMessages(json.messages);
  if (typeof messages === 'string') return messages;
  return { ...json, model: json.model, messages };
}
