import { randomUUID } from 'node:crypto';
import { type Subscription, subscribeEvent } from '@figaro/bus';
import { Api, type Clock, Events } from '@figaro/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorExecutorOptions, WorkerExecutorOptions } from '../src/index.js';
import { computerTurn, modelTurn, type ScriptedTurn } from '../src/testing.js';
import { startScriptedSupervisor, startScriptedWorker } from './support/scripted-agents.js';
import { useServerWorld } from './support/server-world.js';
import { lastToolResults, textOf } from './support/tool-results.js';
import { eventually } from './support/wait.js';

/** A clock whose timers fire only when the test advances it. */
class ManualClock implements Clock {
  #now = Date.now();
  readonly #timers = new Set<{ at: number; ms: number; fn: () => void }>();

  now(): Date {
    return new Date(this.#now);
  }

  /** Timers ever set, by duration. */
  readonly created = new Map<number, number>();

  setTimeout(fn: () => void, ms: number) {
    this.created.set(ms, (this.created.get(ms) ?? 0) + 1);
    const timer = { at: this.#now + ms, ms, fn };
    this.#timers.add(timer);
    return { cancel: () => void this.#timers.delete(timer) };
  }

  /** Pending timers that were set for `ms`. */
  armed(ms: number): number {
    return [...this.#timers].filter((t) => t.ms === ms).length;
  }

  advance(ms: number): void {
    this.#now += ms;
    for (const timer of [...this.#timers].sort((a, b) => a.at - b.at)) {
      if (timer.at > this.#now) continue;
      this.#timers.delete(timer);
      timer.fn();
    }
  }
}

const hang: ScriptedTurn = { events: [], hang: true };

describe('supervisor role against a real orchestrator (MemoryBus + PGlite)', () => {
  const world = useServerWorld();
  const subscriptions: Subscription[] = [];

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) await subscription.unsubscribe();
  });

  const startWorker = (id: string, script: ScriptedTurn[], extra: Partial<WorkerExecutorOptions> = {}) =>
    startScriptedWorker(world, id, script, extra);
  const startSupervisor = (
    id: string,
    script: ScriptedTurn[],
    extra: Partial<SupervisorExecutorOptions> = {},
  ) => startScriptedSupervisor(world, id, script, extra);

  function delegateTurn(prompt: string, workerId: string): ScriptedTurn {
    return modelTurn({ toolCalls: [{ name: 'delegate_to_worker', input: { prompt, worker_id: workerId } }] });
  }

  async function childOf(parentId: string) {
    const page = await world.store.tasks.list({ limit: 100 });
    return page.tasks.find((t) => t.parent_task_id === parentId);
  }

  it('delegates to a worker, gets its result back as the tool result, and completes', async () => {
    const { model: worker } = await startWorker('sv-w1', [
      computerTurn({ action: 'screenshot' }),
      modelTurn({ text: 'The report is in /tmp/report.txt.' }),
    ]);
    const { model: supervisor } = await startSupervisor('sv-s1', [
      delegateTurn('Write the report into /tmp/report.txt', 'sv-w1'),
      modelTurn({ text: 'Done: the worker wrote /tmp/report.txt.' }),
    ]);
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'Get the report written',
      options: { target: 'supervisor' },
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
      10_000,
    );
    expect(done?.result).toMatchObject({ result: 'Done: the worker wrote /tmp/report.txt.', num_turns: 2 });
    expect(supervisor.requests[0]?.tools.map((t) => t.name)).toEqual([
      'delegate_to_worker',
      'list_workers',
      'get_task',
      'list_tasks',
      'search_tasks',
      'take_screenshot',
      'click',
      'type_text',
      'press_key',
      'unlock_screen',
      'ssh_run_command',
      'telnet_run_command',
      'ask_human',
    ]);
    const [result] = lastToolResults(supervisor.requests[1]);
    expect(result?.is_error).toBeUndefined();
    expect(textOf(result?.content ?? [])).toContain('The report is in /tmp/report.txt.');

    const child = await childOf(task.task_id);
    expect(child).toMatchObject({
      status: 'completed',
      worker_id: 'sv-w1',
      supervisor_id: 'sv-s1',
      prompt: 'Write the report into /tmp/report.txt',
    });
    expect(worker.remaining).toBe(0);
    expect(supervisor.remaining).toBe(0);
  });

  it('reads the fleet and the task history with list_workers, get_task, list_tasks and search_tasks', async () => {
    await startWorker('sv-w6', []);
    const taskId = randomUUID();
    const { model: supervisor } = await startSupervisor('sv-s6', [
      modelTurn({
        toolCalls: [
          { name: 'list_workers', input: {} },
          { name: 'get_task', input: { task_id: taskId, include_messages: true } },
          { name: 'list_tasks', input: { status: 'running', limit: 50 } },
          { name: 'search_tasks', input: { query: 'zebra' } },
          { name: 'get_task', input: { task_id: randomUUID() } },
        ],
      }),
      modelTurn({ text: 'Looked around.' }),
    ]);
    await world.agentBus.request(Api.tasksCreate, {
      prompt: 'Survey the fleet and the zebra tasks',
      options: { target: 'supervisor', task_id: taskId },
    });
    await eventually(
      () => world.store.tasks.get(taskId),
      (t) => t?.status === 'completed',
    );
    const [workers, own, list, search, missing] = lastToolResults(supervisor.requests[1]);
    const fleet: unknown = JSON.parse(textOf(workers?.content ?? []));
    expect(fleet).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'sv-w6', agent_connected: true })]),
    );
    expect(JSON.parse(textOf(own?.content ?? []))).toMatchObject({
      task_id: taskId,
      prompt: 'Survey the fleet and the zebra tasks',
      status: 'running',
      messages: expect.arrayContaining([
        { seq: 1, type: 'UserMessage', text: 'Survey the fleet and the zebra tasks' },
      ]),
    });
    const running: Array<{ task_id: string; status: string }> = JSON.parse(textOf(list?.content ?? []));
    expect(running.map((t) => t.task_id)).toContain(taskId);
    expect(running.every((t) => t.status === 'running')).toBe(true);
    const found: Array<{ task_id: string }> = JSON.parse(textOf(search?.content ?? []));
    expect(found.map((t) => t.task_id)).toEqual([taskId]);
    expect(missing?.is_error).toBe(true);
  });

  it('cancels the supervisor task and the delegated task within 2 s when the supervisor task is stopped', async () => {
    await startWorker('sv-w2', [hang]);
    await startSupervisor('sv-s2', [delegateTurn('Wait for something that never comes', 'sv-w2')]);
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'Delegate and wait',
      options: { target: 'supervisor' },
    });
    const child = await eventually(
      () => childOf(task.task_id),
      (t) => t?.status === 'running',
      10_000,
    );
    const stoppedAt = Date.now();
    await world.agentBus.request(Api.tasksStop, { task_id: task.task_id });
    for (const id of [task.task_id, child?.id ?? '']) {
      const events = await eventually(
        () => world.store.taskEvents.list(id),
        (list) => list.some((e) => e.type === 'error' && e.attempt > 0),
        2_000,
      );
      expect(events.find((e) => e.type === 'error' && e.attempt > 0)?.payload).toMatchObject({
        cancelled: true,
      });
      expect((await world.store.tasks.get(id))?.status).toBe('cancelled');
    }
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
  });

  it('stops a delegated task that shows no activity for the inactivity timeout and tells the model', async () => {
    const clock = new ManualClock();
    // The stuck worker repeats its `thinking` state every 20 ms: liveness, not activity.
    await startWorker('sv-w3', [hang], { progressRepeatMs: 20 });
    const progress: Array<{ task_id: string; state: string }> = [];
    subscriptions.push(
      await subscribeEvent(world.agentBus, Events.taskProgress, async (event) => {
        progress.push(event);
      }),
    );
    const { model: supervisor } = await startSupervisor(
      'sv-s3',
      [delegateTurn('Do something slow', 'sv-w3'), modelTurn({ text: 'The worker got stuck.' })],
      { clock, delegationInactivityTimeoutMs: 60_000 },
    );
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'Delegate something slow',
      options: { target: 'supervisor' },
    });
    const running = await eventually(
      () => childOf(task.task_id),
      (t) => t?.status === 'running',
      10_000,
    );
    const repeats = async () => progress.filter((p) => p.task_id === running?.id).length;
    await eventually(repeats, (n) => n >= 3);
    const armedBefore = clock.created.get(60_000);
    const seen = await repeats();
    await eventually(repeats, (n) => n >= seen + 3);
    expect(clock.created.get(60_000)).toBe(armedBefore);
    expect(clock.armed(60_000)).toBe(1);
    // Advance past the timeout on every poll: events that re-arm the timer meanwhile cannot hide it.
    const child = await eventually(
      async () => {
        clock.advance(60_001);
        return childOf(task.task_id);
      },
      (t) => t?.status === 'cancelled',
    );
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'The worker got stuck.' });
    const [result] = lastToolResults(supervisor.requests[1]);
    expect(result?.is_error).toBe(true);
    expect(textOf(result?.content ?? [])).toBe(
      `delegated task ${child?.id} showed no activity for 60 s and was stopped`,
    );
  });

  it('does not count time in the queue as inactivity: the timer starts when the child is assigned', async () => {
    const clock = new ManualClock();
    await startSupervisor('sv-s5', [delegateTurn('Wait for a worker', 'sv-w5')], {
      clock,
      delegationInactivityTimeoutMs: 60_000,
    });
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'Delegate to a worker that is not there yet',
      options: { target: 'supervisor' },
    });
    const queued = await eventually(
      () => childOf(task.task_id),
      (t) => t?.status === 'pending',
      10_000,
    );
    // Followed, and suspended while queued: no timer is armed, and time passing changes nothing.
    await eventually(
      async () => clock.created.get(60_000) ?? 0,
      (n) => n === 0,
    );
    clock.advance(10 * 60_000);
    expect((await world.store.tasks.get(queued?.id ?? ''))?.status).toBe('pending');
    await startWorker('sv-w5', [hang]);
    await eventually(
      async () => clock.armed(60_000),
      (n) => n === 1,
      10_000,
    );
  });

  it('suspends the inactivity timer while the delegated task waits for a human', async () => {
    const clock = new ManualClock();
    await startWorker('sv-w4', [
      modelTurn({ toolCalls: [{ name: 'ask_human', input: { question: 'Which colour?' } }] }),
      modelTurn({ text: 'Painted it blue.' }),
    ]);
    const { model: supervisor } = await startSupervisor(
      'sv-s4',
      [delegateTurn('Paint it', 'sv-w4'), modelTurn({ text: 'Painted blue.' })],
      { clock, delegationInactivityTimeoutMs: 60_000 },
    );
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'Get it painted',
      options: { target: 'supervisor' },
    });
    const child = await eventually(
      () => childOf(task.task_id),
      (t) => t?.waiting_on === 'human',
      10_000,
    );
    // The supervisor has seen `waiting_human` once its timer is disarmed.
    await eventually(
      async () => clock.armed(60_000),
      (n) => n === 0,
    );
    clock.advance(10 * 60_000);
    expect((await world.store.tasks.get(child?.id ?? ''))?.status).toBe('running');
    const [request] = await world.store.helpRequests.list({ task_id: child?.id ?? '', status: 'pending' });
    await world.agentBus.request(Api.helpRequestsRespond, {
      request_id: request?.id ?? '',
      answers: { 'Which colour?': 'blue' },
      source: 'test',
    });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done?.result).toMatchObject({ result: 'Painted blue.' });
    expect(textOf(lastToolResults(supervisor.requests[1])[0]?.content ?? [])).toContain('Painted it blue.');
    expect((await world.store.tasks.get(child?.id ?? ''))?.status).toBe('completed');
  });
});
