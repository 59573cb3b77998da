import { type FakeOpenAI, startFakeOpenAI, textReply, toolResults } from '@figaro/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ComputerTool,
  type ModelEvent,
  OpenAIModelClient,
  runAgentLoop,
  ToolRegistry,
} from '../src/index.js';
import { FakeDesktop } from '../src/testing.js';

describe('OpenAIModelClient against the fake chat-completions API', () => {
  let fake: FakeOpenAI;
  const client = () => new OpenAIModelClient({ apiKey: 'sk-test', baseURL: fake.baseUrl, maxRetries: 0 });

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('streams tool calls and usage as ModelEvents and offers the computer as a function tool', async () => {
    fake.script.reply({
      text: 'Let me look.',
      toolCalls: [
        { id: 'call_1', name: 'computer', arguments: { action: 'left_click', coordinate: [5, 6] } },
      ],
      usage: { prompt_tokens: 900, completion_tokens: 40 },
    });
    const desktop = new FakeDesktop({ width: 1920, height: 1200 });
    const events: ModelEvent[] = [];
    for await (const e of client().run(
      {
        model: 'qwen2.5-vl',
        system: 'sys',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'open a terminal' }] }],
        tools: [new ComputerTool({ desktop }).spec()],
        maxTokens: 512,
      },
      new AbortController().signal,
    ))
      events.push(e);
    expect(events.filter((e) => e.type !== 'text_delta')).toEqual([
      {
        type: 'tool_call',
        id: 'call_1',
        name: 'computer',
        input: { action: 'left_click', coordinate: [5, 6] },
      },
      { type: 'usage', usage: { input_tokens: 900, output_tokens: 40 } },
      { type: 'stop', reason: 'tool_use', messageId: expect.any(String), model: expect.any(String) },
    ]);
    const body = fake.script.lastRequest().body;
    expect(body.messages[0]).toEqual({ role: 'system', content: 'sys' });
    const tools = z
      .array(
        z.object({
          type: z.literal('function'),
          function: z.object({
            name: z.string(),
            description: z.string(),
            parameters: z.object({
              properties: z.object({ action: z.object({ enum: z.array(z.string()) }) }),
            }),
          }),
        }),
      )
      .parse(body.tools);
    expect(tools[0]?.function.name).toBe('computer');
    expect(tools[0]?.function.description).toContain('1280x800');
    expect(tools[0]?.function.parameters.properties.action.enum).toContain('left_click');
    fake.assertDone();
  });

  it('runs the loop: tool results as tool messages, screenshots as image_url data URLs', async () => {
    const desktop = new FakeDesktop();
    fake.script.reply(
      { toolCalls: [{ id: 'call_a', name: 'computer', arguments: { action: 'screenshot' } }] },
      textReply('Seen it.'),
    );
    const result = await runAgentLoop({
      model: client(),
      modelName: 'qwen2.5-vl',
      system: 'sys',
      tools: new ToolRegistry([new ComputerTool({ desktop, settleMs: 0 })]),
      messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }] }],
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ status: 'completed', result: 'Seen it.' });
    const second = fake.script.requests[1];
    if (!second) throw new Error('no second request');
    expect(toolResults(second)).toMatchObject([{ toolUseId: 'call_a', text: '(1 image follows)' }]);
    const messages = second.body.messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    const images = JSON.stringify(messages.at(-1));
    expect(images).toContain('data:image/png;base64,');
    fake.assertDone();
  });
});
