import { randomUUID } from 'node:crypto';
import type { ReceivableEvent, Schema } from '@figaro/bus';
import { Broadcasts, Events } from '@figaro/protocol';
import type { StoreRepos } from '@figaro/store';
import { uniqueToken } from '@figaro/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PARENT_ENDED, type TaskDraft, TaskLifecycle } from '../src/tasks/task-lifecycle.js';
import { BACKENDS, type Harness, listen, openHarness } from './service-harness.js';

for (const backend of BACKENDS) {
  describe(`TaskLifecycle on ${backend.name}`, () => {
    let h: Harness;
    let lifecycle: TaskLifecycle;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      h = await openHarness(backend);
      lifecycle = new TaskLifecycle(h.deps());
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(async () => {
      await h?.close();
    });

    async function inbox<S extends Schema>(entry: ReceivableEvent<S>) {
      const box = await listen(h.bus, entry);
      cleanups.push(() => box.close());
      return box;
    }

    /** Commits `fn` in one transaction and kicks the relay, as the orchestrator's callers do. */
    async function commit<T>(fn: (repos: StoreRepos) => Promise<T>): Promise<T> {
      const result = await h.store.tx(fn);
      await h.relay.kick();
      return result;
    }

    function draft(overrides: Partial<TaskDraft> = {}): TaskDraft {
      return {
        id: randomUUID(),
        prompt: 'open the calculator',
        options: { target: 'worker' },
        source: 'api',
        source_metadata: {},
        parent_task_id: null,
        original_task_id: null,
        retry_number: 0,
        supervisor_id: null,
        idempotency_key: null,
        ...overrides,
      };
    }

    async function worker(): Promise<string> {
      const id = uniqueToken('w');
      await h.store.agents.upsert({ kind: 'worker', worker_id: id, max_concurrent: 2 });
      return id;
    }

    it('queues a new task waiting on no_worker as a new version, announced once', async () => {
      const created = await inbox(Broadcasts.task_created);
      const first = draft({ options: { target: 'supervisor' } });

      const { task } = await commit((repos) => lifecycle.create(repos, first));
      const again = await commit((repos) => lifecycle.create(repos, first));

      expect(task).toMatchObject({ status: 'pending', waiting_on: 'no_worker', version: 2 });
      expect(again.created).toBe(false);
      const broadcast = await created.next((b) => b.task.task_id === first.id);
      expect(broadcast).toMatchObject({ version: 2, task: { waiting_on: 'no_worker' } });
      expect((await h.store.queue.list()).map((q) => q.task_id)).toContain(first.id);
      await h.relay.kick();
      expect(created.items.filter((b) => b.task.task_id === first.id)).toHaveLength(1);
      await h.store.queue.remove(first.id);
    });

    it('changes waiting_on only with a new version and its task_updated broadcast', async () => {
      const w = await worker();
      const updated = await inbox(Broadcasts.task_updated);
      const { task } = await commit((repos) =>
        lifecycle.create(repos, draft({ options: { target: 'worker', worker_id: w } })),
      );
      const assigned = await commit((repos) => lifecycle.claim(repos, { id: w, kind: 'worker' }));
      expect(assigned?.id).toBe(task.id);

      const human = await commit((repos) => lifecycle.markWaiting(repos, task.id, 'human'));
      const unchanged = await commit((repos) => lifecycle.markWaiting(repos, task.id, 'human'));

      expect(human?.version).toBe((assigned?.version ?? 0) + 1);
      expect(unchanged).toBeNull();
      await updated.next((b) => b.task.task_id === task.id && b.task.waiting_on === 'human');
      expect(updated.items.filter((b) => b.task.task_id === task.id).map((b) => b.version)).toEqual([
        assigned?.version,
        human?.version,
      ]);
      await h.store.queue.remove(task.id);
    });

    it('takes an assignment back to its place in line and tells the agent to stop it', async () => {
      const w = await worker();
      const stops = await inbox(Events.workerStop.at(w));
      const { task } = await commit((repos) =>
        lifecycle.create(repos, draft({ options: { target: 'worker', worker_id: w } })),
      );
      const assigned = await commit((repos) => lifecycle.claim(repos, { id: w, kind: 'worker' }));

      const back = await commit((repos) =>
        lifecycle.takeBack(repos, task.id, 1, { id: w, kind: 'worker' }, 'busy'),
      );
      const late = await commit((repos) =>
        lifecycle.takeBack(repos, task.id, 1, { id: w, kind: 'worker' }, 'busy'),
      );

      expect(back).toMatchObject({
        status: 'pending',
        worker_id: null,
        version: (assigned?.version ?? 0) + 1,
      });
      expect(late).toBeNull();
      expect(await stops.next()).toEqual({ task_id: task.id, attempt: 1 });
      expect((await h.store.agents.get(w))?.status).toBe('busy');
      expect((await h.store.queue.list()).map((q) => q.task_id)).toContain(task.id);
      expect(await commit((repos) => lifecycle.accept(repos, task.id, 1))).toBe(false);
      await h.store.queue.remove(task.id);
    });

    it('fails a lost agent’s task, announces the end and cancels what it delegated', async () => {
      const w = await worker();
      const { task: parent } = await commit((repos) =>
        lifecycle.create(repos, draft({ options: { target: 'worker', worker_id: w } })),
      );
      const held = await commit((repos) => lifecycle.claim(repos, { id: w, kind: 'worker' }));
      const { task: child } = await commit((repos) =>
        lifecycle.create(repos, draft({ parent_task_id: parent.id })),
      );
      const errors = await inbox(Events.taskError.at(parent.id));
      if (!held) throw new Error('not claimed');

      const failed = await commit((repos) =>
        lifecycle.finish(repos, held, { status: 'failed', error: 'worker lost', by: 'orchestrator' }),
      );

      expect(failed).toMatchObject({ status: 'failed', error: 'worker lost' });
      expect(await errors.next()).toMatchObject({ task_id: parent.id, attempt: 0, error: 'worker lost' });
      expect(await h.store.tasks.get(child.id)).toMatchObject({ status: 'cancelled', error: PARENT_ENDED });
      const queued = (await h.store.queue.list()).map((q) => q.task_id);
      expect(queued).not.toContain(parent.id);
      expect(queued).not.toContain(child.id);
    });
  });
}
