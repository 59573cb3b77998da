import { Api } from '@figaro/protocol';
import { startFakeAnthropic, textReply, toolResults } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import {
  AnthropicModelClient,
  helpRequestId,
  type ModelTurn,
  type WorkerExecutorOptions,
} from '../src/index.js';
import { computerTurn, FakeDesktop, modelTurn, type ScriptedTurn } from '../src/testing.js';
import { sonnetStep as step } from './support/harness.js';
import { startScriptedWorker } from './support/scripted-agents.js';
import { useServerWorld } from './support/server-world.js';
import { imagesOf } from './support/tool-results.js';
import { eventually } from './support/wait.js';

/** Text of the tool results in a request's last user message. */
function lastToolResultText(turn: ModelTurn | undefined): string {
  const last = turn?.messages.at(-1);
  return (last?.content ?? [])
    .flatMap((p) => (p.type === 'tool_result' ? p.content : []))
    .flatMap((c) => (c.type === 'text' ? [c.text] : []))
    .join('\n');
}

describe('worker role against a real orchestrator (MemoryBus + PGlite)', () => {
  const world = useServerWorld();
  const { createTask } = world;
  const startWorker = (id: string, script: ScriptedTurn[], extra: Partial<WorkerExecutorOptions> = {}) =>
    startScriptedWorker(world, id, script, extra);

  it('runs a scripted desktop task and stores every tool call with screenshots as blob references and a cost', async () => {
    const w = await startWorker('role-w1', [
      computerTurn({ action: 'screenshot' }, step),
      computerTurn({ action: 'left_click', coordinate: [100, 200] }, step),
      computerTurn({ action: 'type', text: 'echo done > /tmp/out' }, step),
      computerTurn({ action: 'key', text: 'Return' }, step),
      modelTurn({ text: 'Wrote done to /tmp/out.', usage: step }),
    ]);
    const task = await createTask('Write done into /tmp/out in the terminal', {
      start_url: 'https://example.com/start',
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(w.model.remaining).toBe(0);
    expect(w.desktop.actions).toEqual([
      { type: 'click', x: 100, y: 200, button: 'left', count: 1 },
      { type: 'type', text: 'echo done > /tmp/out' },
      { type: 'key', keys: 'Return', holdMs: 0 },
    ]);

    // The opening request: prompt with the start URL as context, a screenshot, the worker's tools.
    const first = w.model.requests[0];
    expect(first?.system).toMatch(/computer/);
    expect(first?.tools.map((t) => t.name)).toEqual(['computer', 'ask_human', 'get_task', 'search_tasks']);
    const opening = first?.messages[0]?.content ?? [];
    expect(opening[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining('Start URL: https://example.com/start'),
    });
    expect(opening[1]).toMatchObject({ type: 'image', source: { type: 'base64' } });

    const events = (await world.store.taskEvents.list(task.task_id)).filter((e) => e.attempt === 1);
    const messages = events.filter((e) => e.type === 'message');
    // opening + 4 × (assistant tool call, tool result) + final answer
    expect(messages.map((e) => e.payload.__type__)).toEqual([
      'UserMessage',
      ...Array.from({ length: 4 }, () => ['AssistantMessage', 'UserMessage']).flat(),
      'AssistantMessage',
    ]);
    expect(events.at(-1)?.type).toBe('complete');
    expect(done?.message_count).toBe(messages.length);

    const calls = messages.flatMap((e) =>
      Array.isArray(e.payload.content)
        ? e.payload.content.filter((b: { type?: string }) => b.type === 'tool_use')
        : [],
    );
    expect(calls.map((c: { input: { action: string } }) => c.input.action)).toEqual([
      'screenshot',
      'left_click',
      'type',
      'key',
    ]);

    const images = events.flatMap((e) => imagesOf(e.payload));
    expect(images).toHaveLength(5); // the opening screenshot and one per action
    for (const image of images) {
      expect(image.source).toMatchObject({ type: 'blob', media_type: 'image/png' });
      expect(w.uploader.blobs.has(String(image.source.sha256))).toBe(true);
    }
    const stored = JSON.stringify(events.map((e) => e.payload));
    expect(stored).not.toContain('base64');
    expect(stored).not.toContain('iVBORw0KGgo'); // a PNG's base64 signature

    const assistant = messages.filter((e) => e.payload.__type__ === 'AssistantMessage');
    for (const e of assistant) {
      expect(e.payload.cost_usd).toBeGreaterThan(0);
      expect(e.payload.usage).toMatchObject(step);
    }
    expect(done?.cost_usd).toBeCloseTo(5 * 0.0045, 6);
    expect(done?.result).toMatchObject({
      result: 'Wrote done to /tmp/out.',
      num_turns: 5,
      usage: { input_tokens: 5000, output_tokens: 500 },
    });
    const complete = events.find((e) => e.type === 'complete')?.payload.result;
    expect(complete).toMatchObject({ total_cost_usd: expect.closeTo(5 * 0.0045, 6) });
  });

  it('asks the human through a help request and gives the model the answer in its next request', async () => {
    const w = await startWorker('role-w2', [
      modelTurn({
        toolCalls: [
          {
            id: 'toolu_ask_1',
            name: 'ask_human',
            input: { question: 'Which file?', options: ['a.txt', 'b.txt'] },
          },
        ],
      }),
      modelTurn({ text: 'Used b.txt.' }),
    ]);
    const task = await createTask('Open the right file');
    const requestId = helpRequestId(task.task_id, 1, 'toolu_ask_1');
    const request = await eventually(
      () => world.store.helpRequests.get(requestId),
      (r) => r?.status === 'pending',
    );
    expect(request?.questions[0]).toMatchObject({
      question: 'Which file?',
      options: [{ label: 'a.txt' }, { label: 'b.txt' }],
    });
    expect(request?.agent_id).toBe('role-w2');
    await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.waiting_on === 'human',
    );
    await world.agentBus.request(Api.helpRequestsRespond, {
      request_id: requestId,
      answers: { 'Which file?': 'b.txt' },
      source: 'test',
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'Used b.txt.' });
    expect(lastToolResultText(w.model.requests[1])).toBe('b.txt');
  });

  it("asks the human with the real Anthropic engine: the answer is in the fake API's next recorded request", async () => {
    const fake = await startFakeAnthropic();
    try {
      const api = fake.agent('role-w6');
      api.reply(
        { toolUses: [{ id: 'toolu_fake_ask', name: 'ask_human', input: { question: 'Which file?' } }] },
        textReply('Used b.txt.'),
      );
      const model = new AnthropicModelClient({ apiKey: 'sk-test', baseURL: api.baseUrl, maxRetries: 0 });
      await startWorker('role-w6', [], { model });
      const task = await createTask('Open the right file');
      const requestId = helpRequestId(task.task_id, 1, 'toolu_fake_ask');
      await eventually(
        () => world.store.helpRequests.get(requestId),
        (r) => r?.status === 'pending',
      );
      await world.agentBus.request(Api.helpRequestsRespond, {
        request_id: requestId,
        answers: { 'Which file?': 'b.txt' },
        source: 'test',
      });
      const done = await eventually(
        () => world.store.tasks.get(task.task_id),
        (t) => t?.status === 'completed',
      );
      expect(done?.result).toMatchObject({ result: 'Used b.txt.' });
      const second = await api.waitForRequest(2);
      expect(toolResults(second).map((r) => [r.toolUseId, r.text])).toEqual([['toolu_fake_ask', 'b.txt']]);
      // The first request carried the task and its opening screenshot, inline for the model.
      expect(JSON.stringify(api.requests[0]?.body.messages)).toContain('"type":"base64"');
      fake.assertDone();
    } finally {
      await fake.stop();
    }
  });

  it('takes follow-up messages, pause and resume from the task input between turns', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const desktop = new FakeDesktop({ beforeAction: () => gate });
    const w = await startWorker(
      'role-w5',
      [
        computerTurn({ action: 'left_click', coordinate: [10, 10] }),
        modelTurn({ text: 'Clicked and checked.' }),
      ],
      { desktop },
    );
    const task = await createTask('Click the corner');
    // The model asked for the click, which now waits at the gate: the next turn has not started.
    await eventually(
      async () => w.model.requests.length,
      (n) => n === 1,
    );
    const input = Api.taskInput.at(task.task_id);
    await world.agentBus.request(input, { kind: 'user_message', text: 'Also check the clock.' });
    await world.agentBus.request(input, { kind: 'pause', note: 'taking over' });
    release();
    await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.waiting_on === 'paused',
    );
    expect(w.model.requests).toHaveLength(1);
    await world.agentBus.request(input, { kind: 'resume' });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'Clicked and checked.' });
    const last = w.model.requests[1]?.messages.at(-1)?.content ?? [];
    expect(last.map((p) => p.type)).toEqual(['tool_result', 'text']);
    expect(last[1]).toEqual({ type: 'text', text: 'Also check the clock.' });
  });

  it('asks to continue when the budget is reached and fails with "budget exceeded" when told no', async () => {
    const w = await startWorker('role-w3', [
      computerTurn({ action: 'screenshot' }, step),
      computerTurn({ action: 'screenshot' }, step),
      computerTurn({ action: 'screenshot' }, step),
      computerTurn({ action: 'screenshot' }, step),
    ]);
    // 0.0045 $ per step: 3 steps reach 0.01 $ (0.0135), the 4th is never requested.
    const task = await createTask('Look at the screen for a while', { budget_usd: 0.01 });
    const [request] = await eventually(
      () => world.store.helpRequests.list({ task_id: task.task_id, status: 'pending' }),
      (list) => list.length === 1,
    );
    const question = request?.questions[0];
    expect(question).toMatchObject({
      question: 'budget of $0.01 reached after 3 steps; continue with another $0.01?',
      options: [{ label: 'yes' }, { label: 'no' }],
    });
    const waiting = await world.store.tasks.get(task.task_id);
    expect(waiting?.cost_usd).toBeLessThan(0.01 + 0.0045);
    await world.agentBus.request(Api.helpRequestsRespond, {
      request_id: request?.id ?? '',
      answers: { [question?.question ?? '']: 'no' },
      source: 'test',
    });
    const failed = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'failed',
    );
    expect(failed?.error).toBe('budget exceeded');
    expect(w.model.requests).toHaveLength(3);
    expect(w.model.remaining).toBe(1);
  });

  it('continues with another budget when the human says yes', async () => {
    const w = await startWorker('role-w4', [
      computerTurn({ action: 'screenshot' }, step),
      computerTurn({ action: 'screenshot' }, step),
      modelTurn({ text: 'Finished.', usage: step }),
    ]);
    const task = await createTask('Look twice', { budget_usd: 0.005 });
    const [request] = await eventually(
      () => world.store.helpRequests.list({ task_id: task.task_id, status: 'pending' }),
      (list) => list.length === 1,
    );
    await world.agentBus.request(Api.helpRequestsRespond, {
      request_id: request?.id ?? '',
      answers: { [request?.questions[0]?.question ?? '']: 'yes' },
      source: 'test',
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'Finished.', num_turns: 3 });
    expect(w.model.remaining).toBe(0);
  });
});
