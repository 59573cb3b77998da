import { Api, Broadcasts } from '@figaro/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listen } from '../service-harness.js';
import { type Backend, eventually, type World } from './harness.js';

/** The acceptance behaviours of the orchestrator core, run against one backend. */
export function orchestratorContract(backend: Backend): void {
  describe(`Orchestrator on ${backend.name}`, () => {
    let world: World | undefined;
    beforeAll(() => backend.beforeAll());
    afterAll(() => backend.afterAll());
    afterEach(async () => {
      await world?.close();
      world = undefined;
    });
    const open = async (config = {}) => {
      world = await backend.world(config);
      return world;
    };
    const status = (w: World, taskId: string) => async () => (await w.store.tasks.get(taskId))?.status;

    it('assigns a worker task within 1 s, completes it from its events, then gives the worker the next task', async () => {
      const w = await open();
      const worker = await w.agent({ id: 'w1' });
      const started = Date.now();
      const task = await w.agentBus.request(Api.tasksCreate, {
        prompt: 'open the browser',
        options: { target: 'worker' },
      });
      const assignment = await worker.nextAssignment(1_000);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(assignment).toMatchObject({ task_id: task.task_id, attempt: 1, prompt: 'open the browser' });

      const second = await w.agentBus.request(Api.tasksCreate, {
        prompt: 'second',
        options: { target: 'worker' },
      });
      await worker.message(task.task_id, 'clicking the icon', 0.01);
      await worker.message(task.task_id, 'done clicking', 0.02);
      await worker.complete(task.task_id, { result: 'browser is open', num_turns: 2, total_cost_usd: 0.03 });

      const done = await eventually(
        () => w.store.tasks.get(task.task_id),
        (t) => t?.status === 'completed',
      );
      expect(done).toMatchObject({ message_count: 2, result: { result: 'browser is open' } });
      expect(done?.cost_usd).toBeCloseTo(0.03);
      const next = await worker.nextAssignment(5_000);
      expect(next.task_id).toBe(second.task_id);
      const got = await w.agentBus.request(Api.tasksGet, { task_id: task.task_id });
      expect(got.messages?.map((m) => m.type)).toEqual(['assigned', 'message', 'message', 'complete']);
    });

    it('announces each counted message with a task_updated of the new count and version, without gaps', async () => {
      const w = await open();
      const updated = await listen(w.agentBus, Broadcasts.task_updated);
      try {
        const worker = await w.agent({ id: 'w-count' });
        const task = await w.agentBus.request(Api.tasksCreate, {
          prompt: 'count',
          options: { target: 'worker' },
        });
        await worker.nextAssignment(5_000);
        await worker.message(task.task_id, 'first', 0.01);
        await worker.message(task.task_id, 'second', 0.02);

        const last = await updated.next((b) => b.task.task_id === task.task_id && b.task.message_count === 2);
        const stored = await w.store.tasks.get(task.task_id);
        expect(last).toMatchObject({
          version: stored?.version,
          task: { status: 'running', message_count: 2 },
        });
        expect(last.task.cost_usd).toBeCloseTo(0.03);
        const versions = updated.items.filter((b) => b.task.task_id === task.task_id).map((b) => b.version);
        expect(versions).toEqual(versions.map((_, i) => (versions[0] ?? 0) + i));
        await worker.complete(task.task_id, { result: 'ok' });
      } finally {
        await updated.close();
      }
    });

    it('keeps queued tasks in order across a restart and assigns them in that order', async () => {
      const w = await open();
      const ids: string[] = [];
      for (const prompt of ['first', 'second', 'third']) {
        ids.push(
          (await w.agentBus.request(Api.tasksCreate, { prompt, options: { target: 'worker' } })).task_id,
        );
      }
      expect((await w.store.tasks.get(ids[0] ?? ''))?.waiting_on).toBe('no_worker');
      await w.restart();
      const queued = await w.store.db.query('SELECT task_id FROM task_queue ORDER BY seq');
      expect(queued.map((row) => row.task_id)).toEqual(ids);

      const worker = await w.agent({ id: 'w-order' });
      for (const [index, id] of ids.entries()) {
        const assignment = await worker.nextAssignment(5_000).catch(async (err: Error) => {
          const state = await w.store.db.query(
            'SELECT id, status, attempt, worker_id, release_deadline FROM tasks',
          );
          const agents = await w.store.db.query('SELECT id, status, connected FROM agents');
          const queue = await w.store.db.query('SELECT * FROM task_queue');
          throw new Error(`assignment ${index}: ${err.message} ${JSON.stringify({ state, agents, queue })}`);
        });
        expect(assignment.task_id).toBe(id);
        await worker.complete(id, { result: 'ok' });
      }
    });

    it('fails the task of a worker that stops heartbeating and removes the worker', async () => {
      const w = await open();
      const worker = await w.agent({ id: 'w-silent' });
      const task = await w.agentBus.request(Api.tasksCreate, {
        prompt: 'long job',
        options: { target: 'worker' },
      });
      await worker.nextAssignment();
      await worker.message(task.task_id, 'working');
      await eventually(status(w, task.task_id), (s) => s === 'running');
      const stopped = Date.now();
      await worker.stop();
      const failed = await eventually(
        () => w.store.tasks.get(task.task_id),
        (t) => t?.status === 'failed',
        1_500 + 5_000,
      );
      expect(failed?.error).toBe('worker lost');
      expect(Date.now() - stopped).toBeLessThan(1_500 + 5_000);
      expect(await w.store.agents.get('w-silent')).toBeNull();
    });

    it('downgrades a lost worker to its desktop-only entry when the desktop is stored', async () => {
      const w = await open();
      await w.store.desktops.upsert({ id: 'desk-1', vnc_url: 'vnc://127.0.0.1:5901', source: 'api' });
      const worker = await w.agent({ id: 'desk-1' });
      await worker.deregister();
      await eventually(
        () => w.store.agents.get('desk-1'),
        (agent) => agent?.connected === false,
      );
      const { workers } = await w.agentBus.request(Api.workers, {});
      expect(workers).toContainEqual(
        expect.objectContaining({ id: 'desk-1', agent_connected: false, status: 'offline' }),
      );
    });

    it('requeues a task whose worker never acknowledges and gives it to another worker', async () => {
      const w = await open();
      const silent = await w.agent({ id: 'w-mute', behaviour: 'silent' });
      const task = await w.agentBus.request(Api.tasksCreate, {
        prompt: 'anyone?',
        options: { target: 'worker' },
      });
      await silent.nextAssignment();
      const other = await w.agent({ id: 'w-ready' });
      const assignment = await other.nextAssignment(5_000);
      expect(assignment).toMatchObject({ task_id: task.task_id, attempt: 2 });
      const stop = await silent.nextStop();
      expect(stop).toEqual({ task_id: task.task_id, attempt: 1 });
    });

    it('gives a task a busy worker refused to the next worker', async () => {
      const w = await open();
      const busy = await w.agent({ id: 'w-busy', behaviour: 'busy' });
      const task = await w.agentBus.request(Api.tasksCreate, {
        prompt: 'now',
        options: { target: 'worker' },
      });
      await eventually(
        () => w.store.agents.get(busy.id),
        (a) => a?.status === 'busy',
      );
      const free = await w.agent({ id: 'w-free' });
      expect((await free.nextAssignment()).task_id).toBe(task.task_id);
    });

    it('cancels the delegated worker task when the supervisor task is stopped; later events change nothing', async () => {
      const w = await open();
      const supervisor = await w.agent({ id: 'sup', kind: 'supervisor' });
      const worker = await w.agent({ id: 'w-child' });
      const parent = await w.agentBus.request(Api.tasksCreate, { prompt: 'plan a trip' });
      expect((await supervisor.nextAssignment()).task_id).toBe(parent.task_id);
      await supervisor.message(parent.task_id, 'delegating');
      const delegated = await w.agentBus.request(Api.delegate, {
        prompt: 'book the flight',
        supervisor_id: 'sup',
        parent_task_id: parent.task_id,
        idempotency_key: 'toolu_1',
      });
      const again = await w.agentBus.request(Api.delegate, {
        prompt: 'book the flight',
        supervisor_id: 'sup',
        parent_task_id: parent.task_id,
        idempotency_key: 'toolu_1',
      });
      expect(again.task_id).toBe(delegated.task_id);
      expect((await worker.nextAssignment()).task_id).toBe(delegated.task_id);
      await worker.message(delegated.task_id, 'searching flights');
      await eventually(status(w, delegated.task_id), (s) => s === 'running');

      expect(await w.agentBus.request(Api.tasksStop, { task_id: parent.task_id })).toEqual({
        success: true,
        task_id: parent.task_id,
      });
      expect(await status(w, parent.task_id)()).toBe('cancelled');
      expect(await status(w, delegated.task_id)()).toBe('cancelled');
      expect(await worker.nextStop()).toEqual({ task_id: delegated.task_id, attempt: 1 });
      expect(await supervisor.nextStop()).toEqual({ task_id: parent.task_id, attempt: 1 });

      // A late completion is stored as history but never changes the finished task.
      await worker.complete(delegated.task_id, { result: 'booked anyway' });
      await eventually(
        async () => (await w.store.taskEvents.list(delegated.task_id)).map((e) => e.type),
        (types) => types.includes('complete'),
      );
      expect(await status(w, delegated.task_id)()).toBe('cancelled');
      await expect(w.agentBus.request(Api.tasksStop, { task_id: parent.task_id })).rejects.toMatchObject({
        code: 'conflict',
      });
    });

    it('answers a malformed request with invalid_request and keeps serving', async () => {
      const w = await open();
      // An entry with a permissive request schema lets the bad payload leave this side unchecked.
      const unchecked = { ...Api.tasksCreate, request: z.unknown() };
      await expect(
        w.agentBus.request(unchecked, { prompt: 42, options: { target: 'robot' } }),
      ).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('prompt'),
      });
      const ok = await w.agentBus.request(Api.tasksCreate, { prompt: 'still serving' });
      expect(ok.status).toBe('pending');
    });

    it('creates tasks idempotently on options.task_id', async () => {
      const w = await open();
      const id = '5f0c6b3e-7d2a-4c1b-9e8f-0a1b2c3d4e5f';
      const first = await w.agentBus.request(Api.tasksCreate, { prompt: 'once', options: { task_id: id } });
      const second = await w.agentBus.request(Api.tasksCreate, { prompt: 'once', options: { task_id: id } });
      expect(second.task_id).toBe(first.task_id);
      await expect(
        w.agentBus.request(Api.tasksCreate, { prompt: 'different', options: { task_id: id } }),
      ).rejects.toMatchObject({ code: 'conflict' });
    });
  });
}
