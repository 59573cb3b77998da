import OpenAI, { APIError, toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countImages,
  type FakeOpenAI,
  pseudoEmbedding,
  startFakeOpenAI,
  textReply,
  toolCall,
  toolResults,
} from '../src/index.js';

const model = 'qwen2.5-vl';
const tools = [
  {
    type: 'function' as const,
    function: { name: 'computer', parameters: { type: 'object', properties: {} } },
  },
];

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
}

describe('FakeOpenAI', () => {
  let fake: FakeOpenAI;
  const client = (baseURL = fake.baseUrl) => new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });

  beforeEach(async () => {
    fake = await startFakeOpenAI({ embeddingDimensions: 64 });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('streams tool calls whose arguments the SDK assembles, with usage last', async () => {
    const click = { action: 'left_click', coordinate: [640, 400], reason: 'focus the terminal window' };
    fake.script.reply({
      text: 'Let me click.',
      toolCalls: [
        { name: 'computer', arguments: click, id: 'call_1' },
        { name: 'computer', arguments: { action: 'screenshot' } },
      ],
      usage: { prompt_tokens: 900, completion_tokens: 40 },
    });
    const stream = client().chat.completions.stream({
      model,
      messages: [{ role: 'user', content: 'open a terminal' }],
      tools,
      stream_options: { include_usage: true },
    });
    const argumentDeltas: string[] = [];
    stream.on('tool_calls.function.arguments.delta', (event) => argumentDeltas.push(event.arguments_delta));
    const completion = await stream.finalChatCompletion();

    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe('Let me click.');
    const calls = choice?.message.tool_calls ?? [];
    expect(calls.map((c) => (c.type === 'function' ? c.function.name : ''))).toEqual([
      'computer',
      'computer',
    ]);
    expect(calls[0]?.id).toBe('call_1');
    const first = calls[0];
    expect(first?.type === 'function' ? JSON.parse(first.function.arguments) : undefined).toEqual(click);
    expect(argumentDeltas.length).toBeGreaterThan(2);
    expect(completion.usage).toEqual({ prompt_tokens: 900, completion_tokens: 40, total_tokens: 940 });
    expect(fake.script.lastRequest()).toMatchObject({
      stream: true,
      apiKey: 'sk-test',
      path: '/v1/chat/completions',
    });
    fake.assertDone();
  });

  it('streams raw chunks with create({stream: true}) ending in the finish reason', async () => {
    fake.script.reply(textReply('plain streamed answer'));
    const stream = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      expect(chunk).not.toHaveProperty('usage');
    }
    expect({ text, finish }).toEqual({ text: 'plain streamed answer', finish: 'stop' });
    fake.assertDone();
  });

  it('answers non-streaming requests, counts image parts and reads tool messages', async () => {
    fake.script.reply(toolCall('computer', { action: 'screenshot' }), (request) => {
      expect(toolResults(request)).toEqual([
        {
          toolUseId: 'call_x',
          content: [{ type: 'text', text: 'screenshot taken' }],
          isError: false,
          text: 'screenshot taken',
        },
      ]);
      expect(countImages(request)).toBe(2);
      return textReply('I see a desktop.');
    });
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const first = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is on screen?' }, image] }],
      tools,
    });
    expect(first.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'computer', arguments: '{"action":"screenshot"}' },
    });
    const second = await client().chat.completions.create({
      model,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'what is on screen?' }, image] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'computer', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_x', content: 'screenshot taken' },
        { role: 'user', content: [image] },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('I see a desktop.');
    expect(second.usage).toEqual({ prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 });
    fake.assertDone();
  });

  it('computes deterministic unit embeddings, closer for texts sharing words', async () => {
    const result = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: ['the cat sat on the mat', 'the cat sat on the mat', 'quantum chromodynamics lecture'],
    });
    expect(result.object).toBe('list');
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const [a, b, c] = result.data.map((d) => d.embedding);
    expect(a).toHaveLength(64);
    expect(cosine(a ?? [], a ?? [])).toBeCloseTo(1, 5);
    expect(a).toEqual(b);
    expect(a?.[0]).toBeCloseTo(pseudoEmbedding('the cat sat on the mat', 64)[0] ?? Number.NaN, 5);
    const near = pseudoEmbedding('a cat on a mat', 64);
    expect(cosine(a ?? [], near)).toBeGreaterThan(cosine(c ?? [], near));

    const floats = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: 'short',
      dimensions: 8,
      encoding_format: 'float',
    });
    expect(floats.data[0]?.embedding).toHaveLength(8);
    expect(fake.embeddings.map((e) => e.input.length)).toEqual([3, 1]);
    fake.assertDone();
  });

  it('returns scripted transcripts for multipart uploads', async () => {
    fake.transcripts.reply('turn on the lights', 'second');
    const file = await toFile(Buffer.from('RIFF fake wav bytes'), 'voice.ogg', { type: 'audio/ogg' });
    const json = await client().audio.transcriptions.create({ file, model: 'whisper-1' });
    expect(json.text).toBe('turn on the lights');
    const text = await client().audio.transcriptions.create({
      file,
      model: 'whisper-1',
      response_format: 'text',
    });
    expect(text).toBe('second');
    expect(fake.transcripts.lastRequest()).toMatchObject({
      model: 'whisper-1',
      fileName: 'voice.ogg',
      fileBytes: 19,
    });
    fake.assertDone();
  });

  it('keeps agent scripts apart and fails on unexpected requests and scripted errors', async () => {
    const w1 = fake
      .agent('w1')
      .reply({ error: { status: 429, type: 'rate_limit_error', message: 'slow down' } });
    expect(w1.baseUrl).toBe(`${fake.url}/w1/v1`);
    const limited = await client(w1.baseUrl)
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(APIError);
    expect(limited).toMatchObject({ status: 429, type: 'rate_limit_error' });

    const unexpected = await client()
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'anyone?' }] })
      .catch((e: unknown) => e);
    expect(unexpected).toMatchObject({ status: 500 });
    fake.agent('w2').reply(textReply('left over'));
    expect(() => fake.assertDone()).toThrow(/unexpected request #1 .*"anyone\?"[\s\S]*w2.*unconsumed step 1/);
  });

  it('lets a test await a hanging stream and see the client disconnect', async () => {
    fake.script.reply({ hang: true });
    const controller = new AbortController();
    const stream = await client().chat.completions.create(
      { model, messages: [{ role: 'user', content: 'wait' }], stream: true },
      { signal: controller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.choices[0]?.delta.role).toBe('assistant');
    controller.abort();
    await fake.script.waitForDisconnect(1);
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
    fake.assertDone();
  });
});
