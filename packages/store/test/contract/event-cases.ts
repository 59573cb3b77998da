import { describe, expect, it } from 'vitest';
import type { TaskEventInput } from '../../src/index.js';
import { type ContractTarget, newAgentId, newId } from './target.js';

function message(taskId: string, attempt: number, seq: number, cost?: number | string): TaskEventInput {
  return {
    task_id: taskId,
    attempt,
    seq,
    type: 'message',
    payload: { __type__: 'AssistantMessage', content: [{ type: 'text', text: `m${seq}` }] },
    ...(cost !== undefined ? { cost_usd: cost } : {}),
  };
}

export function describeEventCases(target: ContractTarget): void {
  const store = () => target.store();

  /** A task on its first attempt, as events arrive for it. */
  async function assignedTask(): Promise<string> {
    const { task } = await store().tasks.create({ id: newId(), prompt: 'events' });
    await store().tasks.transition(task.id, 'assigned', { set: { worker_id: newAgentId() } });
    return task.id;
  }

  describe('TaskEventsRepo', () => {
    it('stores an event once and counts it once', async () => {
      const id = await assignedTask();
      const before = await store().tasks.get(id);
      const first = await store().taskEvents.record(message(id, 1, 1, '0.1'));
      expect(first).toMatchObject({ inserted: true, quarantined: false });
      expect(first.updated).toMatchObject({ message_count: 1, version: (before?.version ?? 0) + 1 });
      expect(await store().taskEvents.record(message(id, 1, 1, '0.1'))).toEqual({
        inserted: false,
        quarantined: false,
        updated: null,
      });
      const second = await store().taskEvents.record(message(id, 1, 2, 0.2));
      expect(second).toMatchObject({ inserted: true, quarantined: false });
      const task = await store().tasks.get(id);
      expect(task).toMatchObject({ message_count: 2, cost_usd: 0.3 });
      expect(second.updated).toStrictEqual(task);
      const [row] = await store().db.query('SELECT cost_usd FROM tasks WHERE id = $1', [id]);
      expect(row).toEqual({ cost_usd: '0.3' });
    });

    it('lists events by attempt, then seq', async () => {
      const id = await assignedTask();
      await store().taskEvents.record(message(id, 1, 3));
      await store().taskEvents.record(message(id, 1, 1));
      await store().taskEvents.record({
        task_id: id,
        attempt: 0,
        seq: 1,
        type: 'assigned',
        payload: { worker_id: 'w' },
      });
      await store().taskEvents.record(message(id, 1, 2));
      const events = await store().taskEvents.list(id);
      expect(events.map((e) => [e.attempt, e.seq, e.type])).toEqual([
        [0, 1, 'assigned'],
        [1, 1, 'message'],
        [1, 2, 'message'],
        [1, 3, 'message'],
      ]);
      expect(events[1]?.payload).toEqual(message(id, 1, 1).payload);
      expect(await store().tasks.get(id)).toMatchObject({ message_count: 3 });
    });

    it('counts concurrent duplicate deliveries once', async () => {
      const id = await assignedTask();
      const deliveries = [1, 1, 1, 1, 2, 2, 2, 1, 2, 3].map((seq) => message(id, 1, seq, '0.25'));
      const outcomes = await Promise.all(deliveries.map((event) => store().taskEvents.record(event)));
      expect(outcomes.filter((o) => o.inserted)).toHaveLength(3);
      expect(await store().tasks.get(id)).toMatchObject({ message_count: 3, cost_usd: 0.75 });
      expect((await store().taskEvents.list(id)).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('keeps events of an older attempt as history without touching the task', async () => {
      const id = await assignedTask();
      await store().tasks.transition(id, 'pending');
      await store().tasks.transition(id, 'assigned');
      const before = await store().tasks.get(id);
      expect(await store().taskEvents.record(message(id, 1, 1, 5))).toEqual({
        inserted: true,
        quarantined: false,
        updated: null,
      });
      expect(await store().tasks.get(id)).toStrictEqual(before);
      expect(await store().taskEvents.list(id)).toHaveLength(1);
    });

    it('quarantines events of unknown tasks and never creates them', async () => {
      const unknown = newId();
      expect(await store().taskEvents.record(message(unknown, 1, 1))).toEqual({
        inserted: false,
        quarantined: true,
        updated: null,
      });
      expect(await store().taskEvents.record(message(unknown, 1, 1))).toEqual({
        inserted: false,
        quarantined: true,
        updated: null,
      });
      expect(await store().taskEvents.record(message('not-a-uuid', 1, 1))).toEqual({
        inserted: false,
        quarantined: true,
        updated: null,
      });
      expect(await store().tasks.get(unknown)).toBeNull();
      expect(await store().taskEvents.list(unknown)).toEqual([]);
      const held = await store().taskEvents.listQuarantined(unknown);
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({
        task_id: unknown,
        attempt: 1,
        seq: 1,
        type: 'message',
        reason: 'unknown task',
      });
      expect(await store().taskEvents.listQuarantined('not-a-uuid')).toHaveLength(1);
    });

    it('rolls repositories back together in Store.tx', async () => {
      const id = newId();
      await expect(
        store().tx(async (repos) => {
          await repos.tasks.create({ id, prompt: 'atomic' });
          await repos.taskEvents.record({ task_id: id, attempt: 0, seq: 1, type: 'created', payload: {} });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store().tasks.get(id)).toBeNull();
      expect(await store().taskEvents.list(id)).toEqual([]);
      expect(await store().taskEvents.listQuarantined(id)).toEqual([]);
    });
  });
}
