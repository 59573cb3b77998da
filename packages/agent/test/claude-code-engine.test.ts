import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Api } from '@figaro/protocol';
import {
  countImages,
  type FakeAnthropic,
  startFakeAnthropic,
  textReply,
  toolResults,
  toolUse,
} from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClaudeCodeWorkerExecutorOptions,
  claudeCodeEnv,
  createClaudeCodeWorkerExecutor,
  helpRequestId,
} from '../src/index.js';
import { FakeDesktop } from '../src/testing.js';
import { sonnetStep as step } from './support/harness.js';
import { memoryUploader } from './support/scripted-agents.js';
import { useServerWorld } from './support/server-world.js';
import { imagesOf } from './support/tool-results.js';
import { eventually as poll } from './support/wait.js';

/** `eventually` with room for Claude Code's start-up: 15 s. */
const eventually = <T>(read: () => Promise<T>, accept: (value: T) => boolean) => poll(read, accept, 15_000);

const computer = (input: Record<string, unknown>) => toolUse('mcp__figaro__computer', input);

describe('claude-code engine (Claude Agent SDK on the fake Anthropic API, real orchestrator)', () => {
  const world = useServerWorld({ storeDir: 'db' });
  const { createTask } = world;
  let fake: FakeAnthropic;

  beforeAll(async () => {
    fake = await startFakeAnthropic({ apiKey: 'sk-cc-test' });
  });
  afterAll(async () => {
    await fake.stop();
  });

  async function startWorker(id: string, extra: Partial<ClaudeCodeWorkerExecutorOptions> = {}) {
    const desktop = new FakeDesktop({ changesOnAction: true });
    const uploader = memoryUploader();
    const runtime = await world.startAgent(
      id,
      'worker',
      createClaudeCodeWorkerExecutor({
        modelName: 'claude-sonnet-4-6',
        desktop,
        bus: world.agentBus,
        workerId: id,
        uploadImage: uploader.upload,
        settleMs: 0,
        apiKey: 'sk-cc-test',
        baseURL: fake.agent(id).baseUrl,
        maxRetries: 0,
        stateDir: join(world.dir.path, 'claude-code'),
        ...extra,
      }),
    );
    return { desktop, uploader, runtime, api: fake.agent(id) };
  }

  it('drives the desktop through the MCP computer tool and stores every call with blob screenshots and a cost', async () => {
    const w = await startWorker('cc-w1');
    w.api.reply(
      { ...computer({ action: 'screenshot' }), usage: step },
      { ...computer({ action: 'left_click', coordinate: [100, 200] }), usage: step },
      { ...computer({ action: 'type', text: 'echo done > /tmp/out' }), usage: step },
      { ...computer({ action: 'key', text: 'Return' }), usage: step },
      { ...textReply('Wrote done to /tmp/out.'), usage: step },
    );
    const started = Date.now();
    const task = await createTask('Write done into /tmp/out in the terminal', {
      start_url: 'https://example.com/start',
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed' || t?.status === 'failed',
    );
    const elapsed = Date.now() - started;
    console.info(`claude-code task with 4 tool round trips: ${elapsed} ms`);
    expect(done?.error ?? null).toBeNull();
    expect(done?.status).toBe('completed');
    fake.assertDone();
    expect(w.desktop.actions).toEqual([
      { type: 'click', x: 100, y: 200, button: 'left', count: 1 },
      { type: 'type', text: 'echo done > /tmp/out' },
      { type: 'key', keys: 'Return', holdMs: 0 },
    ]);

    // What Claude Code sent: `?beta=true`, x-api-key, only Figaro's MCP tools, our prompt, and the
    // screenshots (the opening one, then each MCP tool result's image) inline for the model.
    const requests = w.api.requests;
    expect(requests).toHaveLength(5);
    for (const request of requests) {
      expect(request.beta).toBe(true);
      expect(request.stream).toBe(true);
      expect(request.headers['x-api-key']).toBe('sk-cc-test');
      expect(request.headers.authorization).toBeUndefined();
    }
    const tools = (requests[0]?.body.tools ?? []) as Array<{ name: string }>;
    expect(tools.map((t) => t.name).sort()).toEqual([
      'mcp__figaro__ask_human',
      'mcp__figaro__computer',
      'mcp__figaro__get_task',
      'mcp__figaro__search_tasks',
    ]);
    expect(JSON.stringify(requests[0]?.body.system)).toContain('You are a Figaro worker');
    expect(JSON.stringify(requests[0]?.body.messages)).toContain('Start URL: https://example.com/start');
    expect(countImages(requests[0] as (typeof requests)[0])).toBe(1);
    for (const [i, request] of requests.slice(1).entries()) {
      const [result] = toolResults(request);
      expect(result?.isError).toBe(false);
      expect(result?.content.map((c) => c.type)).toContain('image');
      expect(countImages(request)).toBe(i + 2);
    }

    const events = (await world.store.taskEvents.list(task.task_id)).filter((e) => e.attempt === 1);
    const messages = events.filter((e) => e.type === 'message');
    expect(messages.map((e) => e.payload.__type__)).toEqual([
      'UserMessage',
      ...Array.from({ length: 4 }, () => ['AssistantMessage', 'UserMessage']).flat(),
      'AssistantMessage',
    ]);
    expect(events.at(-1)?.type).toBe('complete');
    const calls = messages.flatMap((e) =>
      Array.isArray(e.payload.content)
        ? e.payload.content.filter((b: { type?: string }) => b.type === 'tool_use')
        : [],
    );
    expect(calls.map((c: { name: string; input: { action: string } }) => [c.name, c.input.action])).toEqual([
      ['computer', 'screenshot'],
      ['computer', 'left_click'],
      ['computer', 'type'],
      ['computer', 'key'],
    ]);
    const images = events.flatMap((e) => imagesOf(e.payload));
    expect(images).toHaveLength(5); // the opening screenshot and one per action
    for (const image of images) {
      expect(image.source).toMatchObject({ type: 'blob', media_type: 'image/png' });
      expect(w.uploader.blobs.has(String(image.source.sha256))).toBe(true);
    }
    const stored = JSON.stringify(events.map((e) => e.payload));
    expect(stored).not.toContain('base64');
    expect(stored).not.toContain('iVBORw0KGgo');
    for (const e of messages.filter((m) => m.payload.__type__ === 'AssistantMessage')) {
      expect(e.payload.usage).toMatchObject(step);
      expect(e.payload.cost_usd).toBeCloseTo(0.0045, 6);
    }
    const result = events.find((e) => e.type === 'complete')?.payload.result;
    expect(result).toMatchObject({
      result: 'Wrote done to /tmp/out.',
      num_turns: 5,
      usage: { input_tokens: 5000, output_tokens: 500 },
      // Claude Code's own total, from the same list prices.
      total_cost_usd: expect.closeTo(5 * 0.0045, 6),
    });
    // The agent's own HOME and CLAUDE_CONFIG_DIR.
    expect(await readdir(join(world.dir.path, 'claude-code', 'cc-w1'))).toEqual(['config', 'home']);
  }, 60_000);

  it("asks the human through a help request: the answer is the MCP tool result in the fake's next request", async () => {
    const w = await startWorker('cc-w2');
    w.api.reply(
      {
        toolUses: [
          { id: 'toolu_cc_ask', name: 'mcp__figaro__ask_human', input: { question: 'Which file?' } },
        ],
      },
      textReply('Used b.txt.'),
    );
    const task = await createTask('Open the right file');
    const requestId = helpRequestId(task.task_id, 1, 'toolu_cc_ask');
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
      (t) => t?.status === 'completed' || t?.status === 'failed',
    );
    expect(done?.result).toMatchObject({ result: 'Used b.txt.' });
    const second = await w.api.waitForRequest(2);
    // Claude Code adds a newline and then a system-reminder text block to the last tool result.
    expect(toolResults(second).map((r) => [r.toolUseId, r.content[0]])).toEqual([
      ['toolu_cc_ask', { type: 'text', text: expect.stringMatching(/^b\.txt\s*$/) }],
    ]);
    fake.assertDone();
  }, 60_000);

  it('stops within 2 s while the model streams, and reports the task cancelled', async () => {
    const w = await startWorker('cc-w3');
    w.api.reply(computer({ action: 'screenshot' }), { text: 'thinking…', hang: true });
    const task = await createTask('Wait for a long time');
    await w.api.waitForRequest(2, { timeoutMs: 15_000 });
    const stoppedAt = Date.now();
    await world.agentBus.request(Api.tasksStop, { task_id: task.task_id });
    const events = await eventually(
      () => world.store.taskEvents.list(task.task_id),
      (list) => list.some((e) => e.type === 'error'),
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(events.find((e) => e.type === 'error')?.payload).toMatchObject({ cancelled: true });
    expect((await world.store.tasks.get(task.task_id))?.status).toBe('cancelled');
    fake.assertDone();
  }, 60_000);

  it('ends a task at its max_turns as "budget exceeded (max_turns)" (a hard stop in this engine)', async () => {
    const w = await startWorker('cc-w4');
    w.api.reply(computer({ action: 'screenshot' }));
    const task = await createTask('Look around', { max_turns: 1 });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'failed' || t?.status === 'completed',
    );
    expect(done?.status).toBe('failed');
    expect(done?.error).toBe('budget exceeded (max_turns)');
    fake.assertDone();
  }, 60_000);

  it('streams a follow-up message into the running query: the model sees it in its next request', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const w = await startWorker('cc-w5', { desktop: new FakeDesktop({ beforeAction: () => gate }) });
    w.api.reply(computer({ action: 'left_click', coordinate: [10, 10] }), textReply('Clicked and checked.'));
    const task = await createTask('Click the corner');
    // The click waits at the gate: send a follow-up meanwhile.
    await w.api.waitForRequest(1, { timeoutMs: 15_000 });
    await world.agentBus.request(Api.taskInput.at(task.task_id), {
      kind: 'user_message',
      text: 'Also check the clock.',
    });
    await new Promise((r) => setTimeout(r, 500));
    release();
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed' || t?.status === 'failed',
    );
    expect(done?.result).toMatchObject({ result: 'Clicked and checked.' });
    expect(JSON.stringify(w.api.requests[1]?.body.messages)).toContain('Also check the clock.');
    const events = await world.store.taskEvents.list(task.task_id);
    expect(JSON.stringify(events.map((e) => e.payload))).toContain('Also check the clock.');
    fake.assertDone();
  }, 60_000);

  it('gives Claude Code a minimal environment of its own', () => {
    const env = claudeCodeEnv({
      auth: { oauthToken: 'oat-1', baseURL: 'http://127.0.0.1:1/w' },
      dirs: { home: '/h', config: '/c' },
      path: '/usr/bin',
      maxRetries: 2,
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/h',
      CLAUDE_CONFIG_DIR: '/c',
      CLAUDE_CODE_OAUTH_TOKEN: 'oat-1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1/w',
      CLAUDE_CODE_MAX_RETRIES: '2',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_AGENT_SDK_CLIENT_APP: 'figaro',
    });
  });
});
