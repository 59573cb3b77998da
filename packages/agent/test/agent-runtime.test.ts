import { publishEvent } from '@figaro/bus';
import { Api, Events } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import { askHuman, type TaskExecutor } from '../src/index.js';
import { useServerWorld } from './support/server-world.js';
import { eventually } from './support/wait.js';

describe('AgentRuntime against a real orchestrator (MemoryBus + PGlite)', () => {
  const world = useServerWorld();
  const startWorker = (id: string, execute: TaskExecutor) => world.startAgent(id, 'worker', execute);

  it('runs an assigned task and publishes its messages and result with sequence numbers', async () => {
    await startWorker('rt-1', async ({ events }) => {
      await events.message({
        type: 'AssistantMessage',
        content: [{ type: 'text', text: 'working' }],
        costUsd: 0.5,
      });
      return { result: 'all done', num_turns: 1, total_cost_usd: 0.5 };
    });
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'do it',
      options: { target: 'worker' },
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done).toMatchObject({ message_count: 1, result: { result: 'all done' } });
    const events = await world.store.taskEvents.list(task.task_id);
    expect(events.filter((e) => e.attempt === 1).map((e) => [e.seq, e.type])).toEqual([
      [1, 'message'],
      [2, 'complete'],
    ]);
  });

  it('aborts a running task when it is stopped and reports it cancelled', async () => {
    let aborted = false;
    await startWorker('rt-2', async ({ signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
      throw new Error('aborted');
    });
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'wait forever',
      options: { target: 'worker' },
    });
    await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'assigned' || t?.status === 'running',
    );
    const stoppedAt = Date.now();
    await world.agentBus.request(Api.tasksStop, { task_id: task.task_id });
    const events = await eventually(
      () => world.store.taskEvents.list(task.task_id),
      (list) => list.some((e) => e.type === 'error' && e.attempt > 0),
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(aborted).toBe(true);
    expect(events.find((e) => e.type === 'error' && e.attempt > 0)?.payload).toMatchObject({
      cancelled: true,
    });
    expect((await world.store.tasks.get(task.task_id))?.status).toBe('cancelled');
  });

  it('asks a human and gets the answer given through the API', async () => {
    await startWorker('rt-3', async ({ assignment, signal }) => {
      const answer = await askHuman(
        world.agentBus,
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
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'ask first',
      options: { target: 'worker' },
    });
    const requestId = `ask-${task.task_id.slice(0, 8)}`;
    await eventually(
      () => world.store.helpRequests.get(requestId),
      (r) => r?.status === 'pending',
    );
    expect(
      await world.agentBus.request(Api.helpRequestsRespond, {
        request_id: requestId,
        answers: { 'Proceed?': 'yes' },
        source: 'test',
      }),
    ).toEqual({
      success: true,
      request_id: requestId,
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'human said yes' });
  });
  it('two workers on one bus: an assignment and a stop reach only the worker they name', async () => {
    // Both agents of `figaro up --desktop … ` with a local desktop share one bus connection: a
    // subscription on the template's wildcard made the second worker run the first one's task too,
    // report it, and the orchestrator's stop for it cancelled the first worker's run.
    const othersRuns: string[] = [];
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let aborted = false;
    await startWorker('pair-a', async ({ signal, takeInputs }) => {
      started();
      await Promise.race([
        released,
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
      aborted = signal.aborted;
      return { result: `inputs ${takeInputs().length}` };
    });
    await startWorker('pair-b', async ({ assignment }) => {
      othersRuns.push(assignment.task_id);
      return { result: 'not mine' };
    });
    const task = await world.createTask('only for pair-a', { worker_id: 'pair-a' });
    await running;
    // A stop addressed to the other worker, then a follow-up answered by pair-a (delivered after it).
    await publishEvent(world.agentBus, Events.workerStop.at('pair-b'), { task_id: task.task_id, attempt: 1 });
    await world.agentBus.request(Api.taskInput.at(task.task_id), { kind: 'user_message', text: 'go on' });
    release();
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed' || t?.status === 'failed' || t?.status === 'cancelled',
    );
    expect(aborted).toBe(false);
    expect(done).toMatchObject({ status: 'completed', worker_id: 'pair-a', result: { result: 'inputs 1' } });
    expect(othersRuns).toEqual([]);
  });
});
