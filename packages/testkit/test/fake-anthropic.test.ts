import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countImages,
  type FakeAnthropic,
  lastUserText,
  startFakeAnthropic,
  textReply,
  toolResults,
  toolUse,
} from '../src/index.js';

const model = 'claude-test-model';
const hello = [{ role: 'user' as const, content: 'hello' }];
const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };

describe('FakeAnthropic', () => {
  let fake: FakeAnthropic;
  const client = (baseURL = fake.url) => new Anthropic({ apiKey: 'sk-test', baseURL, maxRetries: 0 });

  beforeEach(async () => {
    fake = await startFakeAnthropic();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('streams text and a tool_use whose input the SDK assembles from several deltas', async () => {
    const input = { action: 'left_click', coordinate: [120, 48], note: 'a longer string to split' };
    fake.script.reply({
      text: 'Clicking the terminal.',
      toolUses: [{ name: 'computer', input, id: 'toolu_1' }],
      usage: {
        input_tokens: 1200,
        output_tokens: 35,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 50,
      },
    });

    const stream = client().messages.stream({ model, max_tokens: 1024, messages: hello });
    const events: string[] = [];
    stream.on('streamEvent', (event) => {
      events.push(event.type === 'content_block_delta' ? `delta:${event.delta.type}` : event.type);
    });
    const message = await stream.finalMessage();

    expect(message.content).toHaveLength(2);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Clicking the terminal.' });
    expect(message.content[1]).toEqual({ type: 'tool_use', id: 'toolu_1', name: 'computer', input });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({
      input_tokens: 1200,
      output_tokens: 35,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 50,
    });
    expect(events.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'delta:text_delta']);
    expect(events.filter((e) => e === 'delta:input_json_delta').length).toBeGreaterThan(1);
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);

    const request = fake.script.lastRequest();
    expect(request).toMatchObject({ stream: true, beta: false, path: '/v1/messages', apiKey: 'sk-test' });
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body.model).toBe(model);
    fake.assertDone();
  });

  it('answers non-streaming requests with a JSON message and default usage', async () => {
    fake.script.reply(textReply('All done.'));
    const message = await client().messages.create({ model, max_tokens: 256, messages: hello });
    expect(message.content).toEqual([{ type: 'text', text: 'All done.', citations: null }]);
    expect(message).toMatchObject({ role: 'assistant', model, stop_reason: 'end_turn' });
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 10 });
    expect(fake.script.lastRequest().stream).toBe(false);
    fake.assertDone();
  });

  it('serves beta requests, with and without ?beta=true, and records the beta header', async () => {
    fake.script.reply(toolUse('computer', { action: 'screenshot' }), textReply('done'));
    const params: Anthropic.Beta.Messages.MessageCreateParamsNonStreaming = {
      model,
      max_tokens: 256,
      messages: hello,
      tools: [
        { type: 'computer_20251124', name: 'computer', display_width_px: 1280, display_height_px: 800 },
      ],
      betas: ['computer-use-2025-11-24'],
    };
    // SDK 1.14 marks beta calls by the anthropic-beta header only; claude-code adds ?beta=true.
    const message = await client().beta.messages.create(params);
    expect(message.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'computer',
      input: { action: 'screenshot' },
    });
    await client().beta.messages.create(params, { query: { beta: 'true' } });

    const [plain, flagged] = fake.script.requests;
    expect(plain).toMatchObject({ path: '/v1/messages', beta: false });
    expect(flagged).toMatchObject({ path: '/v1/messages?beta=true', beta: true, query: { beta: 'true' } });
    expect(plain?.headers['anthropic-beta']).toContain('computer-use-2025-11-24');
    expect(flagged?.headers['anthropic-beta']).toContain('computer-use-2025-11-24');
    fake.assertDone();
  });

  it('fails assertDone on an unexpected request and on an unconsumed step', async () => {
    const error = await client()
      .messages.create({ model, max_tokens: 16, messages: hello })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(500);
    expect((error as APIError).message).toContain('no scripted step left');
    expect(() => fake.assertDone()).toThrow(/unexpected request #1 .*"hello"/);

    const other = await startFakeAnthropic();
    other.agent('w9').reply(textReply('never asked for'));
    expect(() => other.assertDone()).toThrow(/agent "w9": unconsumed step 1: text "never asked for"/);
    await other.stop();
  });

  it('surfaces a scripted API error as the SDK error with its status', async () => {
    fake.script.reply(
      { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } },
      { error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } },
    );
    const overloaded = await client()
      .messages.stream({ model, max_tokens: 16, messages: hello })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(APIError);
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error' });
    const invalid = await client()
      .messages.create({ model, max_tokens: 16, messages: hello })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect((invalid as APIError).message).toContain('prompt is too long');
    fake.assertDone();
  });

  it('keeps the scripts of path-prefixed agents apart', async () => {
    const w1 = fake.agent('w1').reply(textReply('I am w1'));
    const w2 = fake.agent('w2').reply(textReply('I am w2'));
    expect(w1.baseUrl).toBe(`${fake.url}/w1`);
    const [a, b] = await Promise.all([
      client(w2.baseUrl).messages.create({
        model,
        max_tokens: 16,
        messages: [{ role: 'user', content: 'two' }],
      }),
      client(w1.baseUrl).messages.create({
        model,
        max_tokens: 16,
        messages: [{ role: 'user', content: 'one' }],
      }),
    ]);
    expect(a.content[0]).toMatchObject({ text: 'I am w2' });
    expect(b.content[0]).toMatchObject({ text: 'I am w1' });
    expect(w1.requests.map(lastUserText)).toEqual(['one']);
    expect(w2.requests.map((r) => r.path)).toEqual(['/w2/v1/messages']);
    expect(fake.script.requests).toEqual([]);
    fake.assertDone();
  });

  it('reads tool results and images from the last user message past mid-conversation system messages', async () => {
    fake.script.reply((request) => {
      expect(toolResults(request)).toEqual([
        { toolUseId: 'toolu_a', content: [{ type: 'text', text: 'ok' }, image], isError: false, text: 'ok' },
        { toolUseId: 'toolu_b', content: [{ type: 'text', text: 'boom' }], isError: true, text: 'boom' },
      ]);
      expect(countImages(request)).toBe(2);
      return textReply('seen');
    });
    // claude-code's shape: x-api-key, ?beta=true, streaming, a system message after the tool results.
    const response = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': 'sk-cc',
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model,
        max_tokens: 64,
        stream: true,
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'look' }, image] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'shot', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_a', content: [{ type: 'text', text: 'ok' }, image] },
              { type: 'tool_result', tool_use_id: 'toolu_b', content: 'boom', is_error: true },
            ],
          },
          { role: 'system', content: 'reminder' },
        ],
      }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; delta?: { text?: string } });
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['message_start', 'ping']);
    expect(events.map((e) => e.delta?.text ?? '').join('')).toBe('seen');
    expect(fake.script.lastRequest()).toMatchObject({ apiKey: 'sk-cc', beta: true, stream: true });
    fake.assertDone();
  });

  it('records a failing expectation inside a step function', async () => {
    fake.script.reply((request) => {
      expect(lastUserText(request)).toBe('something else');
      return textReply('unreachable');
    });
    const error = await client()
      .messages.create({ model, max_tokens: 16, messages: hello })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
    expect(() => fake.assertDone()).toThrow(/step for request #1 threw/);
  });

  it('rejects a request without an API key', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model, max_tokens: 1, messages: hello }),
    });
    expect(response.status).toBe(401);
    expect(() => fake.assertDone()).toThrow(/no API key/);
  });

  it('stops writing when the client aborts a hanging stream', async () => {
    fake.script.reply({ hang: true });
    const stream = client().messages.stream({ model, max_tokens: 16, messages: hello });
    const started = new Promise<void>((resolve) => stream.on('streamEvent', () => resolve()));
    const settled = stream.finalMessage().catch((e: unknown) => e);
    await fake.script.waitForRequest(1);
    await started;
    stream.abort();
    await fake.script.waitForDisconnect(1);
    expect(await settled).toBeInstanceOf(Error);
    fake.assertDone();
  });
});
