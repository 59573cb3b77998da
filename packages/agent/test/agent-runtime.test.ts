import { MemoryBroker, MemoryBus } from '@figaro/bus';
import { type OrchestratorServer, startOrchestratorServer } from '@figaro/orchestrator';
import { Api, silentLogger } from '@figaro/protocol';
import { openStore, type Store } from '@figaro/store';
import { tempDir } from '@figaro/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentRuntime, askHuman, type TaskExecutor } from '../src/index.js';

/** Polls until `accept` holds (bounded), returning the last value read. */
async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('AgentRuntime against a real orchestrator (MemoryBus + PGlite)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let store: Store;
  let broker: MemoryBroker;
  let orchestratorBus: MemoryBus;
  let agentBus: MemoryBus;
  let server: OrchestratorServer;
  const runtimes: AgentRuntime[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    store = await openStore({ kind: 'pglite', dataDir: dir.path, logger: silentLogger });
    broker = new MemoryBroker();
    orchestratorBus = new MemoryBus({ broker });
    agentBus = new MemoryBus({ broker });
    server = await startOrchestratorServer({
      bus: orchestratorBus,
      store,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      config: { sweepIntervalMs: 200, outboxIntervalMs: 200, acceptTimeoutMs: 1_000 },
    });
  });
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.stop();
  });
  afterAll(async () => {
    await server.stop();
    await agentBus.close();
    await orchestratorBus.close();
    await store.close();
    await dir.remove();
  });

  async function worker(id: string, execute: TaskExecutor): Promise<AgentRuntime> {
    const runtime = new AgentRuntime({
      bus: agentBus,
      id,
      kind: 'worker',
      execute,
      logger: silentLogger,
      heartbeatMs: 500,
    });
    runtimes.push(runtime);
    await runtime.start();
    return runtime;
  }

  it('runs an assigned task and publishes its messages and result with sequence numbers', async () => {
    await worker('rt-1', async ({ events }) => {
      await events.message({
        type: 'AssistantMessage',
        content: [{ type: 'text', text: 'working' }],
        costUsd: 0.5,
      });
      return { result: 'all done', num_turns: 1, total_cost_usd: 0.5 };
    });
    const task = await agentBus.request(Api.tasksCreate, { prompt: 'do it', options: { target: 'worker' } });
    const done = await eventually(
      () => store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done).toMatchObject({ message_count: 1, result: { result: 'all done' } });
    const events = await store.taskEvents.list(task.task_id);
    expect(events.filter((e) => e.attempt === 1).map((e) => [e.seq, e.type])).toEqual([
      [1, 'message'],
      [2, 'complete'],
    ]);
  });

  it('aborts a running task when it is stopped and reports it cancelled', async () => {
    let aborted = false;
    await worker('rt-2', async ({ signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
      throw new Error('aborted');
    });
    const task = await agentBus.request(Api.tasksCreate, {
      prompt: 'wait forever',
      options: { target: 'worker' },
    });
    await eventually(
      () => store.tasks.get(task.task_id),
      (t) => t?.status === 'assigned' || t?.status === 'running',
    );
    const stoppedAt = Date.now();
    await agentBus.request(Api.tasksStop, { task_id: task.task_id });
    const events = await eventually(
      () => store.taskEvents.list(task.task_id),
      (list) => list.some((e) => e.type === 'error' && e.attempt > 0),
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(aborted).toBe(true);
    expect(events.find((e) => e.type === 'error' && e.attempt > 0)?.payload).toMatchObject({
      cancelled: true,
    });
    expect((await store.tasks.get(task.task_id))?.status).toBe('cancelled');
  });

  it('asks a human and gets the answer given through the API', async () => {
    await worker('rt-3', async ({ assignment, signal }) => {
      const answer = await askHuman(
        agentBus,
        {
          requestId: `ask-${assignment.task_id.slice(0, 8)}`,
          workerId: 'rt-3',
          taskId: assignment.task_id,
          questions: [{ question: 'Proceed?' }],
          timeoutSeconds: 60,
        },
        signal,
      );
      return { result: answer.answered ? `human said ${answer.answers['Proceed?']}` : 'no answer' };
    });
    const task = await agentBus.request(Api.tasksCreate, {
      prompt: 'ask first',
      options: { target: 'worker' },
    });
    const requestId = `ask-${task.task_id.slice(0, 8)}`;
    await eventually(
      () => store.helpRequests.get(requestId),
      (r) => r?.status === 'pending',
    );
    expect(
      await agentBus.request(Api.helpRequestsRespond, {
        request_id: requestId,
        answers: { 'Proceed?': 'yes' },
        source: 'test',
      }),
    ).toEqual({
      success: true,
      request_id: requestId,
    });
    const done = await eventually(
      () => store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'human said yes' });
  });
});
