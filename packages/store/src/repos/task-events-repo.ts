import { parseWith, TaskId } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, parseRows, queryOne, queryRows } from '../db.js';
import { storableJson } from '../stored-text.js';
import { TaskRecord } from './task-record.js';

/**
 * A task event to store (PROTOCOL.md "Task events"). Its identity is `(task_id, attempt, seq)`;
 * `cost_usd` is what this event adds to the task's spend (a number or an exact decimal string).
 */
export const TaskEventInput = z.object({
  task_id: z.string().min(1),
  attempt: z.number().int().min(0),
  seq: z.number().int().min(1),
  type: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  cost_usd: z
    .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal')])
    .optional(),
});
export type TaskEventInput = z.input<typeof TaskEventInput>;

/** A stored task event. */
export const TaskEventRecord = z.object({
  task_id: z.string(),
  attempt: z.number().int(),
  seq: z.number().int(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type TaskEventRecord = z.infer<typeof TaskEventRecord>;

/** An event kept aside because its task does not exist. */
export const QuarantinedEventRecord = z.object({
  id: z.number().int(),
  task_id: z.string(),
  attempt: z.number().int().nullable(),
  seq: z.number().int().nullable(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  reason: z.string(),
  created_at: z.string(),
});
export type QuarantinedEventRecord = z.infer<typeof QuarantinedEventRecord>;

/** What `record` did: `inserted` only for the first copy of an event; `quarantined` for unknown tasks. */
export interface RecordOutcome {
  inserted: boolean;
  quarantined: boolean;
  /**
   * The task as this event left it, when the event changed its counters (`message_count`,
   * `cost_usd`) and so its `version`; the caller announces that version. Null otherwise.
   */
  updated: TaskRecord | null;
}

/** The event type that counts toward a task's `message_count`. */
export const MESSAGE_EVENT_TYPE = 'message';

/** Task events, stored once per `(task_id, attempt, seq)`, with the task's counters kept in step. */
export class TaskEventsRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores an event once. In the same transaction, and only when this call inserted it and the event
   * belongs to the task's current attempt, a `message` event adds 1 to `message_count` and `cost_usd`
   * is added to the task's (bumping its `version`; the outcome's `updated` is then the new row, for the
   * caller to announce). Redeliveries, also concurrent ones, change nothing.
   * Events of an unknown task go to `quarantined_events` and never create a task. Invalid input is an
   * `InvalidRequestError`.
   */
  async record(input: TaskEventInput): Promise<RecordOutcome> {
    const event = parseWith(TaskEventInput, input, 'task event');
    const payload = storableJson(event.payload);
    return this.#db.tx(async (tx) => {
      const known =
        TaskId.safeParse(event.task_id).success &&
        (await tx.query('SELECT 1 FROM tasks WHERE id = $1', [event.task_id])).length > 0;
      if (!known) {
        await tx.query(
          `INSERT INTO quarantined_events (task_id, attempt, seq, type, payload, reason)
           VALUES ($1, $2, $3, $4, $5::jsonb, 'unknown task')
           ON CONFLICT (task_id, attempt, seq) DO NOTHING`,
          [event.task_id, event.attempt, event.seq, event.type, payload],
        );
        return { inserted: false, quarantined: true, updated: null };
      }
      // A concurrent duplicate waits here for the first insert to commit, then inserts nothing.
      const inserted = await tx.query(
        `INSERT INTO task_events (task_id, attempt, seq, type, payload)
         VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (task_id, attempt, seq) DO NOTHING
         RETURNING seq`,
        [event.task_id, event.attempt, event.seq, event.type, payload],
      );
      if (inserted.length === 0) return { inserted: false, quarantined: false, updated: null };
      const messages = event.type === MESSAGE_EVENT_TYPE ? 1 : 0;
      const cost = String(event.cost_usd ?? 0);
      if (messages === 0 && Number(cost) <= 0) return { inserted: true, quarantined: false, updated: null };
      const [updated] = parseRows(
        TaskRecord,
        await tx.query(
          `UPDATE tasks
           SET message_count = message_count + $2, cost_usd = cost_usd + $3::numeric,
               version = version + 1, updated_at = now()
           WHERE id = $1 AND attempt = $4
           RETURNING *`,
          [event.task_id, messages, cost, event.attempt],
        ),
        'counted task',
      );
      return { inserted: true, quarantined: false, updated: updated ?? null };
    });
  }

  /** A task's stored events in order of attempt, then seq. */
  async list(taskId: string): Promise<TaskEventRecord[]> {
    if (!TaskId.safeParse(taskId).success) return [];
    return queryRows(
      this.#db,
      TaskEventRecord,
      `SELECT task_id, attempt, seq, type, payload, created_at FROM task_events
       WHERE task_id = $1 ORDER BY attempt, seq`,
      [taskId],
      'task event',
    );
  }

  /** The next `seq` of the orchestrator's own events of a task (attempt 0). */
  async nextOrchestratorSeq(taskId: string): Promise<number> {
    if (!TaskId.safeParse(taskId).success) return 1;
    const row = await queryOne(
      this.#db,
      z.object({ seq: z.number().int() }),
      'SELECT (COALESCE(MAX(seq), 0) + 1)::int AS seq FROM task_events WHERE task_id = $1 AND attempt = 0',
      [taskId],
      'event seq',
    );
    return row?.seq ?? 1;
  }

  /**
   * Keeps aside an event that could not be stored after every delivery (a dead letter), with why;
   * `reason` is cut to 1,000 characters.
   */
  async deadLetter(taskId: string, type: string, payload: unknown, reason: string): Promise<void> {
    const body =
      typeof payload === 'object' && payload !== null && !Array.isArray(payload)
        ? payload
        : { value: payload ?? null };
    await this.#db.query(
      `INSERT INTO quarantined_events (task_id, attempt, seq, type, payload, reason)
       VALUES ($1, NULL, NULL, $2, $3::jsonb, $4)`,
      [taskId, type, storableJson(body), `dead letter: ${reason}`.slice(0, 1000)],
    );
  }

  /** Quarantined events naming `taskId`, oldest first. */
  async listQuarantined(taskId: string): Promise<QuarantinedEventRecord[]> {
    return queryRows(
      this.#db,
      QuarantinedEventRecord,
      'SELECT * FROM quarantined_events WHERE task_id = $1 ORDER BY id',
      [taskId],
      'quarantined event',
    );
  }
}
