import { type FakeAnthropic, startFakeAnthropic, textReply, toolResults } from '@figaro/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AnthropicModelClient,
  type AnthropicModelClientOptions,
  ComputerTool,
  type ModelEvent,
  type ModelTurn,
  runAgentLoop,
  ToolRegistry,
} from '../src/index.js';
import { FakeDesktop } from '../src/testing.js';

const computer = new ComputerTool({ desktop: new FakeDesktop({ width: 1920, height: 1200 }) });
const turn = (
  messages: ModelTurn['messages'] = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
): ModelTurn => ({
  model: 'claude-sonnet-4-6',
  system: 'You drive a desktop.',
  messages,
  tools: [computer.spec()],
  maxTokens: 1024,
  cacheBreakpoints: [messages.length - 1],
});

async function collect(events: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const out: ModelEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function sse(events: unknown[]): Response {
  const body = events
    .map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`)
    .join('');
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

describe('AnthropicModelClient against the fake Messages API', () => {
  let fake: FakeAnthropic;
  const client = (options: AnthropicModelClientOptions = {}) =>
    new AnthropicModelClient({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, ...options });

  beforeEach(async () => {
    fake = await startFakeAnthropic();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('streams text, a computer tool_use, usage and stop as ModelEvents, with beta header and caching', async () => {
    fake.script.reply({
      text: 'Clicking.',
      toolUses: [
        { id: 'toolu_1', name: 'computer', input: { action: 'left_click', coordinate: [640, 400] } },
      ],
      usage: {
        input_tokens: 1200,
        output_tokens: 30,
        cache_read_input_tokens: 800,
        cache_creation_input_tokens: 50,
      },
    });
    const events = await collect(client().run(turn(), new AbortController().signal));
    expect(
      events
        .filter((e) => e.type === 'text_delta')
        .map((e) => (e.type === 'text_delta' ? e.text : ''))
        .join(''),
    ).toBe('Clicking.');
    expect(events.filter((e) => e.type !== 'text_delta')).toEqual([
      {
        type: 'tool_call',
        id: 'toolu_1',
        name: 'computer',
        input: { action: 'left_click', coordinate: [640, 400] },
      },
      {
        type: 'usage',
        usage: {
          input_tokens: 1200,
          output_tokens: 30,
          cache_read_input_tokens: 800,
          cache_creation_input_tokens: 50,
        },
      },
      { type: 'stop', reason: 'tool_use', messageId: expect.any(String), model: 'claude-sonnet-4-6' },
    ]);
    const request = fake.script.lastRequest();
    expect(request.stream).toBe(true);
    expect(request.headers['anthropic-beta']).toBe('computer-use-2025-11-24');
    expect(request.body.tools).toEqual([
      {
        type: 'computer_20251124',
        name: 'computer',
        display_width_px: 1280,
        display_height_px: 800,
        enable_zoom: true,
      },
    ]);
    expect(request.body.system).toEqual([
      { type: 'text', text: 'You drive a desktop.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(request.body.messages[0]?.content).toEqual([
      { type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } },
    ]);
    fake.assertDone();
  });

  it('declares computer_20250124 with its own beta header when configured', async () => {
    fake.script.reply(textReply('ok'));
    await collect(client({ computerTool: 'computer_20250124' }).run(turn(), new AbortController().signal));
    const request = fake.script.lastRequest();
    expect(request.headers['anthropic-beta']).toBe('computer-use-2025-01-24');
    expect(request.body.tools).toEqual([
      { type: 'computer_20250124', name: 'computer', display_width_px: 1280, display_height_px: 800 },
    ]);
    fake.assertDone();
  });

  it('maps the GA computer toolset both ways: per-action tool_use names with toolset_name "computer"', async () => {
    const message = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [],
    };
    const usage = { input_tokens: 10, output_tokens: 5 };
    fake.script.reply(() =>
      sse([
        { type: 'message_start', message: { ...message, stop_reason: null, usage } },
        {
          type: 'content_block_start',
          index: 0,
          content_block: {
            type: 'tool_use',
            id: 'toolu_9',
            name: 'left_click',
            toolset_name: 'computer',
            input: {},
          },
        },
        {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: '{"coordinate":[3,' },
        },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '4]}' } },
        { type: 'content_block_stop', index: 0 },
        {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { output_tokens: 7 },
        },
        { type: 'message_stop' },
      ]),
    );
    const history: ModelTurn['messages'] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_8', name: 'computer', input: { action: 'screenshot' } }],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_8', content: [{ type: 'text', text: 'shot' }] }],
      },
    ];
    const events = await collect(
      client({ computerTool: 'computer_toolset_20260801' }).run(turn(history), new AbortController().signal),
    );
    expect(events[0]).toEqual({
      type: 'tool_call',
      id: 'toolu_9',
      name: 'computer',
      input: { action: 'left_click', coordinate: [3, 4] },
    });
    expect(events[1]).toEqual({ type: 'usage', usage: { input_tokens: 10, output_tokens: 7 } });
    const request = fake.script.lastRequest();
    expect(request.beta).toBe(false);
    expect(request.headers['anthropic-beta']).toBeUndefined();
    expect(request.body.tools).toEqual([{ type: 'computer_toolset_20260801' }]);
    expect(request.body.messages[1]?.content).toEqual([
      { type: 'tool_use', id: 'toolu_8', name: 'screenshot', input: {}, toolset_name: 'computer' },
    ]);
    expect(request.body.messages[2]?.content).toEqual([
      {
        type: 'tool_result',
        tool_use_id: 'toolu_8',
        content: [{ type: 'text', text: 'shot' }],
        toolset_name: 'computer',
        cache_control: { type: 'ephemeral' },
      },
    ]);
    fake.assertDone();
  });

  it('runs the loop end to end: screenshot, click, answer; tool results and images reach the API', async () => {
    const desktop = new FakeDesktop();
    fake.script.reply(
      { toolUses: [{ name: 'computer', input: { action: 'screenshot' } }] },
      { toolUses: [{ name: 'computer', input: { action: 'left_click', coordinate: [10, 20] } }] },
      textReply('All done.'),
    );
    const result = await runAgentLoop({
      model: client(),
      modelName: 'claude-sonnet-4-6',
      system: 'sys',
      tools: new ToolRegistry([new ComputerTool({ desktop, settleMs: 0 })]),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'click it' }] }],
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ status: 'completed', result: 'All done.', numTurns: 3 });
    expect(desktop.actions).toEqual([{ type: 'click', x: 10, y: 20, button: 'left', count: 1 }]);
    const third = fake.script.requests[2];
    if (!third) throw new Error('no third request');
    expect(toolResults(third)).toMatchObject([{ isError: false, content: [{ type: 'image' }] }]);
    expect(result.totalCostUsd).toBeGreaterThan(0);
    fake.assertDone();
  });

  it('aborts the model stream within 2 s and the fake sees the disconnect', async () => {
    fake.script.reply({ text: 'never', hang: true });
    const abort = new AbortController();
    const loop = runAgentLoop({
      model: client(),
      modelName: 'claude-sonnet-4-6',
      system: 'sys',
      tools: new ToolRegistry(),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'wait' }] }],
      signal: abort.signal,
    });
    await fake.script.waitForRequest(1);
    const started = Date.now();
    abort.abort();
    expect((await loop).status).toBe('cancelled');
    await fake.script.waitForDisconnect(1, { timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports API errors as a failed run with the status', async () => {
    fake.script.reply({ error: { status: 400, type: 'invalid_request_error', message: 'bad tools' } });
    const result = await runAgentLoop({
      model: client(),
      modelName: 'claude-sonnet-4-6',
      system: '',
      tools: new ToolRegistry(),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      signal: new AbortController().signal,
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/Anthropic request failed: 400/);
  });
});
