import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/index.js';
import { type ContractTarget, newAgentId, newId } from './target.js';

const soon = () => new Date(Date.now() + 60_000);

/**
 * The task-lifecycle queries behind the orchestrator's TaskLifecycle: the queue's single-statement
 * claim, agent load ("a task occupies its agent"), waiting_on and the lookups sweeps use.
 */
export function describeQueueCases(target: ContractTarget): void {
  const store = (): Store => target.store();

  async function worker(options: { status?: 'idle' | 'busy'; max?: number } = {}): Promise<string> {
    const id = newAgentId();
    await store().agents.upsert({
      kind: 'worker',
      worker_id: id,
      status: options.status ?? 'idle',
      max_concurrent: options.max ?? 1,
    });
    return id;
  }

  /** A queued worker task only `workerId` may take, so tests sharing the database never take each other's. */
  async function queued(workerId: string, prompt = 'queued'): Promise<string> {
    const id = newId();
    await store().tasks.create({ id, prompt, options: { target: 'worker', worker_id: workerId } });
    await store().queue.enqueue(id, workerId);
    return id;
  }

  const claim = (workerId: string) =>
    store().tx((repos) => repos.queue.claim({ id: workerId, kind: 'worker' }, soon()));

  describe('TaskQueueRepo', () => {
    it('claims the oldest eligible task and assigns it in the same statement', async () => {
      const w = await worker();
      const first = await queued(w, 'first');
      const second = await queued(w, 'second');

      const claimed = await claim(w);

      expect(claimed?.task).toMatchObject({
        id: first,
        status: 'assigned',
        attempt: 1,
        worker_id: w,
        version: 2,
      });
      expect(claimed?.task.accept_deadline).not.toBeNull();
      const unclaimed = (await store().queue.list()).map((row) => row.task_id);
      expect(unclaimed).toContain(second);
      expect(unclaimed).not.toContain(first);
      await store().queue.remove(first);
      await store().queue.remove(second);
    });

    it('puts a requeued task back at its old place in line', async () => {
      const w = await worker({ max: 2 });
      const first = await queued(w);
      const second = await queued(w);
      const claimed = await claim(w);
      expect(claimed?.task.id).toBe(first);
      await store().tasks.transition(first, 'pending', { set: { worker_id: null } });

      await store().queue.enqueue(first, w);

      const order = (await store().queue.list())
        .map((row) => row.task_id)
        .filter((id) => id === first || id === second);
      expect(order).toEqual([first, second]);
      await store().queue.remove(first);
      await store().queue.remove(second);
    });

    it('gives nothing to a full agent, counting cancelled tasks within their stop grace', async () => {
      const w = await worker();
      const held = await queued(w);
      const next = await queued(w);
      expect((await claim(w))?.task.id).toBe(held);
      expect(await claim(w)).toBeNull();

      await store().tasks.transition(held, 'cancelled', { set: { release_deadline: soon() } });
      expect(await claim(w)).toBeNull();

      expect(await store().tasks.clearReleaseDeadline(held)).toBe(true);
      expect((await claim(w))?.task.id).toBe(next);
      await store().queue.remove(held);
      await store().queue.remove(next);
    });

    it('counts queued tasks and tasks by status', async () => {
      const w = await worker();
      const before = await store().queue.depth();
      const pendingBefore = (await store().tasks.countByStatus()).pending ?? 0;
      const id = await queued(w);
      expect(await store().queue.depth()).toBe(before + 1);
      expect((await store().tasks.countByStatus()).pending).toBe(pendingBefore + 1);
      await store().queue.remove(id);
      expect(await store().queue.depth()).toBe(before);
    });

    it('gives nothing to a worker that said busy', async () => {
      const w = await worker({ status: 'busy' });
      const id = await queued(w);
      expect(await claim(w)).toBeNull();
      await store().queue.remove(id);
    });
  });

  describe('AgentsRepo load', () => {
    it('marks a busy agent idle only once no task occupies it', async () => {
      const w = await worker();
      const id = await queued(w);
      await claim(w);
      await store().agents.setStatus(w, 'busy');

      expect(await store().agents.markIdleIfFree(w, 'worker')).toBe(false);
      await store().tasks.transition(id, 'running');
      await store().tasks.transition(id, 'completed', { set: { result: {} } });

      expect(await store().agents.markIdleIfFree(w, 'worker')).toBe(true);
      expect((await store().agents.get(w))?.status).toBe('idle');
      expect(await store().agents.markIdleIfFree(w, 'worker')).toBe(false);
      await store().queue.remove(id);
    });

    it('lists available agents supervisors first, and locks the agents on a desktop', async () => {
      const w = await worker();
      const s = newAgentId();
      await store().agents.upsert({ kind: 'supervisor', worker_id: s });
      const available = (await store().agents.available()).map((a) => a.id);
      expect(available.indexOf(s)).toBeGreaterThanOrEqual(0);
      expect(available.indexOf(s)).toBeLessThan(available.indexOf(w));
      await store().agents.setStatus(w, 'offline');
      expect((await store().agents.available()).map((a) => a.id)).not.toContain(w);

      const desk = newAgentId();
      const bound = newAgentId();
      await store().agents.upsert({ kind: 'worker', worker_id: bound, desktop_id: desk });
      const locked = await store().tx((repos) => repos.agents.lockOnDesktop(desk));
      expect(locked.map((a) => a.id)).toEqual([bound]);
      await store().agents.remove(s);
    });
  });

  describe('TasksRepo lifecycle queries', () => {
    it('changes waiting_on with a new version only when it changes and the guard holds', async () => {
      const w = await worker();
      const id = await queued(w);
      const claimed = await claim(w);
      const v = claimed?.task.version ?? 0;

      const human = await store().tasks.setWaitingOn(id, 'human');
      expect(human).toMatchObject({ waiting_on: 'human', version: v + 1 });
      expect(await store().tasks.setWaitingOn(id, 'human')).toBeNull();
      expect(await store().tasks.setWaitingOn(id, null, { current: 'paused' })).toBeNull();
      expect(await store().tasks.setWaitingOn(id, null, { attempt: 7 })).toBeNull();
      expect(await store().tasks.recordActivity(id, 1, new Date())).toBe(true);
      expect((await store().tasks.get(id))?.version).toBe(v + 1);
      expect(
        await store().tasks.setWaitingOn(id, null, { current: 'human', noPendingHelp: true }),
      ).toMatchObject({
        waiting_on: null,
        version: v + 2,
      });
      expect(await store().tasks.setWaitingOn(newId(), 'human')).toBeNull();
      await store().queue.remove(id);
    });

    it('marks a pending task no_worker only while no agent of its kinds is connected', async () => {
      const { task } = await store().tasks.create({ id: newId(), prompt: 'nobody' });
      const guard = { statuses: ['pending'] as const, noConnectedAgentOf: ['worker'] as const };
      // Earlier tests registered workers, so somebody is connected.
      await worker();
      expect(await store().tasks.setWaitingOn(task.id, 'no_worker', guard)).toBeNull();
      expect(await store().tasks.setWaitingOn(task.id, 'no_worker', { statuses: ['pending'] })).toMatchObject(
        {
          waiting_on: 'no_worker',
          version: task.version + 1,
        },
      );
    });

    it('finds held tasks, unfinished children, expired assignments and ends unreported stop graces', async () => {
      const w = await worker({ max: 3 });
      const parent = await queued(w);
      await claim(w);
      const child = newId();
      await store().tasks.create({ id: child, prompt: 'child', parent_task_id: parent });
      const stopped = await queued(w);
      await claim(w);
      await store().tasks.transition(stopped, 'cancelled', { set: { release_deadline: soon() } });

      expect((await store().tasks.heldBy('worker', w)).map((t) => t.id)).toEqual([parent]);
      expect((await store().tx((r) => r.tasks.heldBy('worker', w, { lock: true }))).map((t) => t.id)).toEqual(
        [parent],
      );
      expect((await store().tx((r) => r.tasks.unfinishedChildren(parent))).map((t) => t.id)).toEqual([child]);
      const expired = await store().tasks.expiredAssignments(new Date(Date.now() + 3_600_000), 10_000);
      expect(expired.map((t) => t.id)).toContain(parent);
      expect(await store().tasks.releaseUnreported('worker', w, [stopped, 'not-a-uuid'])).toBe(0);
      expect(await store().tasks.releaseUnreported('worker', w, [])).toBe(1);
      expect((await store().tasks.get(stopped))?.release_deadline).toBeNull();
      expect(await store().tasks.clearAcceptDeadline(parent, 1)).toBe(true);
      expect(await store().tasks.clearAcceptDeadline(parent, 2)).toBe(false);
      await store().queue.remove(parent);
      await store().queue.remove(stopped);
    });

    it('searches prompts literally and locks a task', async () => {
      const word = `needle_${newId().slice(0, 8)}%`;
      const { task } = await store().tasks.create({ id: newId(), prompt: `find the ${word} here` });
      await store().tasks.create({ id: newId(), prompt: `find the ${word.replace('_', 'x')} here` });
      const found = await store().tasks.search({ q: word, limit: 10, offset: 0 });
      expect(found.map((t) => t.id)).toEqual([task.id]);
      expect(await store().tasks.search({ q: word, status: 'running', limit: 10, offset: 0 })).toEqual([]);
      expect((await store().tx((r) => r.tasks.lock(task.id)))?.id).toBe(task.id);
      expect(await store().tasks.lock('nope')).toBeNull();
    });
  });

  describe('TaskEventsRepo orchestrator events', () => {
    it("numbers the orchestrator's own events and keeps dead letters aside", async () => {
      const { task } = await store().tasks.create({ id: newId(), prompt: 'events' });
      expect(await store().taskEvents.nextOrchestratorSeq(task.id)).toBe(1);
      await store().taskEvents.record({
        task_id: task.id,
        attempt: 0,
        seq: 1,
        type: 'assigned',
        payload: {},
      });
      expect(await store().taskEvents.nextOrchestratorSeq(task.id)).toBe(2);

      await store().taskEvents.deadLetter(task.id, 'complete', { task_id: task.id }, 'x'.repeat(2_000));
      const [letter] = await store().taskEvents.listQuarantined(task.id);
      expect(letter).toMatchObject({ type: 'complete', payload: { task_id: task.id }, attempt: null });
      expect(letter?.reason.startsWith('dead letter: x')).toBe(true);
      expect(letter?.reason.length).toBe(1_000);
    });
  });
}
