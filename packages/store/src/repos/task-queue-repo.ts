import type { AgentKind } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryOne, queryRows } from '../db.js';
import { occupiesAgent } from './agent-load.js';
import { TaskRecord } from './task-record.js';

/** An agent the queue may hand a task to. */
export interface ClaimingAgent {
  id: string;
  kind: AgentKind;
}

/** An unclaimed queue row. */
export const QueuedTask = z.object({
  task_id: z.string(),
  seq: z.number().int(),
  eligible_worker_id: z.string().nullable(),
});
export type QueuedTask = z.infer<typeof QueuedTask>;

/** What a claim took: the task, now `assigned`, and its place in line. */
export interface ClaimedTask {
  task: TaskRecord;
  queueSeq: number;
}

const AgentRow = z.object({ max_concurrent: z.number().int(), status: z.string() });
const LoadRow = z.object({ load: z.number().int() });
const ClaimedRow = TaskRecord.extend({ queue_seq: z.number().int() });

/**
 * The durable FIFO queue of tasks waiting for an agent (table `task_queue`). A claim, after locking the
 * agent and counting its load, is one SQL statement that picks the oldest queued task the agent is
 * eligible for, skipping rows other replicas hold, and assigns it in the same statement. The row stays (marked claimed) until the agent accepts,
 * so a requeued task keeps its place in line.
 */
export class TaskQueueRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Queues a task (only `eligibleWorkerId` may take it when given). A task already queued, claimed or
   * not, keeps its place and becomes claimable again: this is also how a claimed task goes back in line.
   */
  async enqueue(taskId: string, eligibleWorkerId: string | null): Promise<void> {
    await this.#db.query(
      `INSERT INTO task_queue (task_id, eligible_worker_id) VALUES ($1, $2)
       ON CONFLICT (task_id) DO UPDATE SET claimed = false`,
      [taskId, eligibleWorkerId],
    );
  }

  /** Forgets a task: accepted by its agent, cancelled, or failed. */
  async remove(taskId: string): Promise<void> {
    await this.#db.query('DELETE FROM task_queue WHERE task_id = $1', [taskId]);
  }

  /** How many tasks are queued, claimed or not. */
  async depth(): Promise<number> {
    const row = await queryOne(
      this.#db,
      z.object({ n: z.number().int() }),
      'SELECT count(*)::int AS n FROM task_queue',
      [],
      'queue depth',
    );
    return row?.n ?? 0;
  }

  /** Unclaimed queued tasks in order. */
  async list(): Promise<QueuedTask[]> {
    return queryRows(
      this.#db,
      QueuedTask,
      'SELECT task_id, seq, eligible_worker_id FROM task_queue WHERE NOT claimed ORDER BY seq',
      [],
      'queued task',
    );
  }

  /**
   * Inside a transaction: locks the agent's row (so two replicas never both fill its last slot), then,
   * in a separate statement that sees claims committed while it waited for the lock, checks its load
   * (the tasks occupying it) against `max_concurrent`, then claims its oldest eligible task in one
   * statement (`FOR UPDATE SKIP LOCKED`), setting it `assigned` with `attempt + 1`, the
   * agent as assignee and `acceptDeadline`. Null when the agent is full, unavailable (offline, or a
   * worker that said busy) or nothing is eligible. A worker takes `auto` tasks only while no
   * supervisor is available.
   */
  async claim(agent: ClaimingAgent, acceptDeadline: Date): Promise<ClaimedTask | null> {
    // The lock is its own statement: the load count below then takes a fresh snapshot (READ COMMITTED),
    // so a replica that waited here for another's claim to commit sees that claim. Counted in the same
    // statement as the lock, the load would come from the snapshot taken before the wait.
    const agentRow = await queryOne(
      this.#db,
      AgentRow,
      'SELECT max_concurrent, status FROM agents WHERE id = $1 AND kind = $2 AND connected FOR UPDATE',
      [agent.id, agent.kind],
      'claiming agent',
    );
    if (!agentRow) return null;
    const load = await queryOne(
      this.#db,
      LoadRow,
      `SELECT count(*)::int AS load FROM tasks WHERE ${occupiesAgent(agent.kind, '$1')}`,
      [agent.id],
      'agent load',
    );
    if ((load?.load ?? 0) >= agentRow.max_concurrent) return null;
    // A worker that said busy or did not answer waits for a heartbeat that says idle.
    if (agentRow.status === 'offline' || (agent.kind === 'worker' && agentRow.status === 'busy')) return null;

    const eligible =
      agent.kind === 'worker'
        ? `(t.options->>'target' = 'worker' OR (COALESCE(t.options->>'target', 'auto') = 'auto' AND NOT EXISTS (
             SELECT 1 FROM agents s WHERE s.kind = 'supervisor' AND s.connected AND s.status <> 'offline')))`
        : `COALESCE(t.options->>'target', 'auto') IN ('supervisor', 'auto')`;
    const assignee = agent.kind === 'worker' ? 'worker_id = $1' : 'supervisor_id = $1, worker_id = NULL';
    const [row] = await queryRows(
      this.#db,
      ClaimedRow,
      `WITH picked AS (
         SELECT q.task_id FROM task_queue q JOIN tasks t ON t.id = q.task_id
          WHERE NOT q.claimed AND t.status = 'pending'
            AND (q.eligible_worker_id IS NULL OR q.eligible_worker_id = $1)
            AND ${eligible}
          ORDER BY q.seq
          LIMIT 1
          FOR UPDATE OF q SKIP LOCKED
       ), marked AS (
         UPDATE task_queue q SET claimed = true FROM picked p WHERE q.task_id = p.task_id
         RETURNING q.task_id, q.seq
       )
       UPDATE tasks t SET status = 'assigned', attempt = t.attempt + 1, ${assignee},
              assigned_at = now(), started_at = NULL, waiting_on = NULL, accept_deadline = $2::timestamptz,
              version = t.version + 1, updated_at = now()
         FROM marked m WHERE t.id = m.task_id
       RETURNING t.*, m.seq AS queue_seq`,
      [agent.id, acceptDeadline.toISOString()],
      'claimed task',
    );
    if (!row) return null;
    const { queue_seq, ...task } = row;
    return { task, queueSeq: queue_seq };
  }
}
