import type { AgentKind } from '@figaro/protocol';
import { type Db, queryOne, queryRows, TaskRecord } from '@figaro/store';
import { z } from 'zod';

/** An agent the dispatcher may hand tasks to. */
export interface ClaimingAgent {
  id: string;
  kind: AgentKind;
}

const LoadRow = z.object({ max_concurrent: z.number().int(), status: z.string(), load: z.number().int() });
const ClaimedRow = TaskRecord.extend({ queue_seq: z.number().int() });
const QueuedRow = z.object({
  task_id: z.string(),
  seq: z.number().int(),
  eligible_worker_id: z.string().nullable(),
});

/** Tasks in assigned or running, or cancelled within their stop grace, held by an agent. */
const LOAD_OF_WORKER = `(worker_id = $1)`;
const LOAD_OF_SUPERVISOR = `(supervisor_id = $1 AND worker_id IS NULL)`;
const occupying = (owner: string) =>
  `SELECT count(*)::int FROM tasks WHERE ${owner}
     AND (status IN ('assigned', 'running') OR (status = 'cancelled' AND release_deadline > now()))`;

/**
 * The durable FIFO queue of tasks waiting for an agent (table `task_queue`). A claim is one SQL
 * statement that picks the oldest queued task the agent is eligible for, skipping rows other replicas
 * hold, and assigns it in the same statement. The row stays (marked claimed) until the agent accepts,
 * so a requeued task keeps its place in line.
 */
export const TaskQueue = {
  async enqueue(db: Db, taskId: string, eligibleWorkerId: string | null): Promise<void> {
    await db.query(
      `INSERT INTO task_queue (task_id, eligible_worker_id) VALUES ($1, $2)
       ON CONFLICT (task_id) DO UPDATE SET claimed = false`,
      [taskId, eligibleWorkerId],
    );
  },

  /** Puts a claimed task back in line at its old place (or at the end if its row is gone). */
  async requeue(db: Db, taskId: string, eligibleWorkerId: string | null): Promise<void> {
    await TaskQueue.enqueue(db, taskId, eligibleWorkerId);
  },

  /** Forgets a task: accepted by its agent, cancelled, or failed. */
  async remove(db: Db, taskId: string): Promise<void> {
    await db.query('DELETE FROM task_queue WHERE task_id = $1', [taskId]);
  },

  /** Unclaimed queued tasks in order. */
  async list(db: Db): Promise<Array<z.infer<typeof QueuedRow>>> {
    return queryRows(
      db,
      QueuedRow,
      'SELECT task_id, seq, eligible_worker_id FROM task_queue WHERE NOT claimed ORDER BY seq',
    );
  },

  /**
   * Inside a transaction: locks the agent's row (so two replicas never both fill its last slot),
   * checks its load against `max_concurrent`, then claims its oldest eligible task, setting it
   * `assigned` with `attempt + 1` and an accept deadline. Null when the agent is full, unavailable
   * or nothing is eligible.
   */
  async claim(
    tx: Db,
    agent: ClaimingAgent,
    acceptDeadline: Date,
  ): Promise<{ task: TaskRecord; queueSeq: number } | null> {
    const owner = agent.kind === 'worker' ? LOAD_OF_WORKER : LOAD_OF_SUPERVISOR;
    const load = await queryOne(
      tx,
      LoadRow,
      `SELECT a.max_concurrent, a.status, (${occupying(owner)}) AS load
         FROM agents a WHERE a.id = $1 AND a.kind = $2 AND a.connected FOR UPDATE`,
      [agent.id, agent.kind],
    );
    if (!load || load.load >= load.max_concurrent) return null;
    // A worker that said busy or did not answer waits for a heartbeat that says idle.
    if (load.status === 'offline' || (agent.kind === 'worker' && load.status === 'busy')) return null;

    const eligible =
      agent.kind === 'worker'
        ? `(t.options->>'target' = 'worker' OR (COALESCE(t.options->>'target', 'auto') = 'auto' AND NOT EXISTS (
             SELECT 1 FROM agents s WHERE s.kind = 'supervisor' AND s.connected AND s.status <> 'offline')))`
        : `COALESCE(t.options->>'target', 'auto') IN ('supervisor', 'auto')`;
    const assignee = agent.kind === 'worker' ? 'worker_id = $1' : 'supervisor_id = $1, worker_id = NULL';
    const rows = await queryRows(
      tx,
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
    );
    const [row] = rows;
    if (!row) return null;
    const { queue_seq, ...task } = row;
    return { task, queueSeq: queue_seq };
  },
};
