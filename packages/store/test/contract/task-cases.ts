import { InvalidRequestError } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  type TaskRecord,
  type TasksRepo,
  TransitionConflictError,
} from '../../src/index.js';
import { type ContractTarget, newAgentId, newId } from './target.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function refusal(promise: Promise<unknown>): Promise<TransitionConflictError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransitionConflictError) return error;
    throw error;
  }
  throw new Error('expected the transition to be refused');
}

/** A task taken to `running` on a fresh worker. */
async function runningTask(tasks: TasksRepo): Promise<TaskRecord> {
  const { task } = await tasks.create({ id: newId(), prompt: 'run' });
  await tasks.transition(task.id, 'assigned', { set: { worker_id: newAgentId() } });
  return tasks.transition(task.id, 'running');
}

export function describeTaskCases(target: ContractTarget): void {
  const tasks = () => target.store().tasks;

  describe('TasksRepo.create and get', () => {
    it('stores a pending task with defaults', async () => {
      const id = newId();
      const { task, created } = await tasks().create({
        id,
        prompt: 'open the calculator',
        options: { target: 'worker' },
      });
      expect(created).toBe(true);
      expect(task).toMatchObject({
        id,
        prompt: 'open the calculator',
        options: { target: 'worker' },
        status: 'pending',
        attempt: 0,
        source: 'api',
        source_metadata: {},
        worker_id: null,
        result: null,
        cost_usd: 0,
        message_count: 0,
        version: 1,
        completed_at: null,
      });
      expect(task.created_at).toMatch(ISO);
      expect(await tasks().get(id)).toStrictEqual(task);
    });

    it('returns null for unknown and malformed ids', async () => {
      expect(await tasks().get(newId())).toBeNull();
      expect(await tasks().get('not-a-uuid')).toBeNull();
    });

    it('is idempotent on id: same content returns the stored task, different content conflicts', async () => {
      const id = newId();
      const first = await tasks().create({ id, prompt: 'p', options: { a: 1, b: [1, 2] } });
      const again = await tasks().create({ id, prompt: 'p', options: { b: [1, 2], a: 1 } });
      expect(again).toStrictEqual({ task: first.task, created: false });
      const failure = await tasks()
        .create({ id, prompt: 'another prompt' })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConflictError);
      expect(failure).toMatchObject({ code: 'conflict' });
      expect((await tasks().get(id))?.prompt).toBe('p');
    });

    it('converges when the same task is created concurrently', async () => {
      const id = newId();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => tasks().create({ id, prompt: 'once' })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.task.version))).toEqual(new Set([1]));
    });

    it('rejects invalid input and links to unknown tasks', async () => {
      await expect(tasks().create({ id: 'nope', prompt: 'x' })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(
        tasks().create({ id: newId(), prompt: 'x', parent_task_id: newId() }),
      ).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('TasksRepo idempotency keys and stop grace', () => {
    it('is idempotent on idempotency_key across task ids', async () => {
      const key = `toolu_${newId()}`;
      const parent = (await tasks().create({ id: newId(), prompt: 'parent' })).task.id;
      const first = await tasks().create({
        id: newId(),
        prompt: 'child',
        parent_task_id: parent,
        idempotency_key: key,
      });
      expect(first.task.idempotency_key).toBe(key);
      const retry = await tasks().create({
        id: newId(),
        prompt: 'child',
        parent_task_id: parent,
        idempotency_key: key,
      });
      expect(retry).toStrictEqual({ task: first.task, created: false });
      expect(await tasks().getByIdempotencyKey(key)).toStrictEqual(first.task);
      await expect(
        tasks().create({
          id: newId(),
          prompt: 'another child',
          parent_task_id: parent,
          idempotency_key: key,
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        tasks().create({ id: first.task.id, prompt: 'child', parent_task_id: parent }),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('converges when one delegation is retried concurrently with fresh ids', async () => {
      const key = `toolu_${newId()}`;
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          tasks().create({ id: newId(), prompt: 'once', idempotency_key: key }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.task.id)).size).toBe(1);
    });

    it('keeps a release deadline on a cancelled task until it is cleared or due', async () => {
      const task = await runningTask(tasks());
      const deadline = new Date(Date.now() + 10_000);
      const cancelled = await tasks().transition(task.id, 'cancelled', {
        set: { release_deadline: deadline },
      });
      expect(cancelled.release_deadline).toBe(deadline.toISOString());
      const due = (now?: Date) =>
        target
          .store()
          .tx(async (repos) =>
            (await repos.tasks.dueReleases(now)).map((t) => t.id).filter((id) => id === task.id),
          );
      expect(await due()).toEqual([]);
      expect(await due(new Date(deadline.getTime() + 1))).toEqual([task.id]);
      expect(await tasks().clearReleaseDeadline(task.id)).toBe(true);
      expect(await tasks().clearReleaseDeadline(task.id)).toBe(false);
      expect(await due(new Date(deadline.getTime() + 1))).toEqual([]);
      expect(await tasks().get(task.id)).toMatchObject({ status: 'cancelled', release_deadline: null });
    });
  });

  describe('TasksRepo.list', () => {
    it('pages newest first with keyset cursors and filters', async () => {
      const worker = newAgentId();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { task } = await tasks().create({ id: newId(), prompt: `t${i}` });
        await tasks().transition(task.id, 'assigned', { set: { worker_id: worker } });
        ids.push(task.id);
      }
      await tasks().transition(ids[0] ?? '', 'running');

      const all = await tasks().list({ worker_id: worker, limit: 10 });
      expect(all.next_cursor).toBeNull();
      expect(new Set(all.tasks.map((t) => t.id))).toEqual(new Set(ids));
      const order = [...all.tasks].sort((a, b) =>
        a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at),
      );
      expect(all.tasks.map((t) => t.id)).toEqual(order.map((t) => t.id));

      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const page = await tasks().list({ worker_id: worker, limit: 2, cursor });
        pages.push(page.tasks.map((t) => t.id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(all.tasks.map((t) => t.id));

      const assigned = await tasks().list({ worker_id: worker, status: 'assigned' });
      expect(assigned.tasks).toHaveLength(4);
      const running = await tasks().list({ worker_id: worker, status: 'running' });
      expect(running.tasks.map((t) => t.id)).toEqual([ids[0]]);
    });

    it('rejects a malformed cursor or limit', async () => {
      await expect(tasks().list({ cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(tasks().list({ limit: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    });
  });

  describe('TasksRepo.transition', () => {
    it('walks pending → assigned → running → completed, stamping each step', async () => {
      const { task } = await tasks().create({ id: newId(), prompt: 'walk' });
      const worker = newAgentId();
      const assigned = await tasks().transition(task.id, 'assigned', {
        set: { worker_id: worker, accept_deadline: new Date('2030-01-01T00:00:05.000Z') },
      });
      expect(assigned).toMatchObject({ status: 'assigned', attempt: 1, worker_id: worker, version: 2 });
      expect(assigned.accept_deadline).toBe('2030-01-01T00:00:05.000Z');
      expect(assigned.assigned_at).toMatch(ISO);
      const running = await tasks().transition(task.id, 'running', { expect: { attempt: 1 } });
      expect(running).toMatchObject({ status: 'running', accept_deadline: null, version: 3 });
      expect(running.started_at).toMatch(ISO);
      const done = await tasks().transition(task.id, 'completed', {
        set: { result: { result: 'ok', num_turns: 3 } },
      });
      expect(done).toMatchObject({ status: 'completed', result: { result: 'ok', num_turns: 3 }, version: 4 });
      expect(done.completed_at).toMatch(ISO);
    });

    it('never changes a finished task', async () => {
      const task = await runningTask(tasks());
      const failed = await tasks().transition(task.id, 'failed', { set: { error: 'worker lost' } });
      for (const to of ['completed', 'failed', 'cancelled', 'pending', 'assigned', 'running'] as const) {
        const error = await refusal(tasks().transition(task.id, to));
        expect(error.reason).toBe('finished');
        expect(error.code).toBe('conflict');
      }
      expect(await tasks().get(task.id)).toStrictEqual(failed);
    });

    it('rejects transitions the status graph does not have', async () => {
      const { task } = await tasks().create({ id: newId(), prompt: 'skip' });
      expect((await refusal(tasks().transition(task.id, 'running'))).reason).toBe('illegal');
      expect((await refusal(tasks().transition(task.id, 'completed'))).reason).toBe('illegal');
      const running = await runningTask(tasks());
      expect((await refusal(tasks().transition(running.id, 'assigned'))).reason).toBe('illegal');
      expect((await tasks().get(task.id))?.version).toBe(1);
    });

    it('enforces status, version and attempt expectations', async () => {
      const { task } = await tasks().create({ id: newId(), prompt: 'guards' });
      const stale = await refusal(tasks().transition(task.id, 'assigned', { expect: { version: 7 } }));
      expect(stale).toMatchObject({
        reason: 'version',
        current: { status: 'pending', version: 1, attempt: 0 },
      });
      const wrongStatus = await refusal(
        tasks().transition(task.id, 'cancelled', { expect: { status: ['assigned'] } }),
      );
      expect(wrongStatus.reason).toBe('status');
      await tasks().transition(task.id, 'assigned', { expect: { version: 1 } });
      expect((await refusal(tasks().transition(task.id, 'running', { expect: { attempt: 0 } }))).reason).toBe(
        'attempt',
      );
    });

    it('requeues an assigned task and counts the next attempt', async () => {
      const { task } = await tasks().create({ id: newId(), prompt: 'requeue' });
      await tasks().transition(task.id, 'assigned', { set: { worker_id: newAgentId() } });
      const queued = await tasks().transition(task.id, 'pending', { set: { worker_id: null } });
      expect(queued).toMatchObject({ status: 'pending', worker_id: null, attempt: 1 });
      expect((await tasks().transition(task.id, 'assigned')).attempt).toBe(2);
    });

    it('lets exactly one of two racing transitions win', async () => {
      const { task } = await tasks().create({ id: newId(), prompt: 'race' });
      const outcomes = await Promise.allSettled([
        tasks().transition(task.id, 'assigned', { expect: { version: 1 }, set: { worker_id: 'a' } }),
        tasks().transition(task.id, 'assigned', { expect: { version: 1 }, set: { worker_id: 'b' } }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect((await tasks().get(task.id))?.attempt).toBe(1);
    });

    it('reports an unknown task as NotFoundError', async () => {
      await expect(tasks().transition(newId(), 'cancelled')).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
