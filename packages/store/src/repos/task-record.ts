import { TaskId } from '@figaro/protocol';
import { z } from 'zod';

/** A task's lifecycle states (PROTOCOL.md). */
export const TaskStatus = {
  pending: 'pending',
  assigned: 'assigned',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];
export const TaskStatusSchema = z.enum(TaskStatus);

/** Statuses a task never leaves. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * The status graph: `pending → assigned → running → completed | failed | cancelled`. An assigned task
 * may go back to `pending` (no reply, busy: requeued) and may fail or be cancelled before it runs;
 * a queued task may be cancelled or failed (shutdown). Finished statuses have no way out.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ['assigned', 'cancelled', 'failed'],
  assigned: ['running', 'pending', 'failed', 'cancelled'],
  running: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

/** The statuses from which `to` may be reached. */
export function statusesLeadingTo(to: TaskStatus): TaskStatus[] {
  return TaskStatusSchema.options.filter((from) => TASK_TRANSITIONS[from].includes(to));
}

const JsonObject = z.record(z.string(), z.unknown());

/** A stored task, as the store returns it: column names, timestamps as UTC ISO strings. */
export const TaskRecord = z.object({
  id: z.string(),
  prompt: z.string(),
  options: JsonObject,
  status: TaskStatusSchema,
  attempt: z.number().int(),
  source: z.string(),
  source_metadata: JsonObject,
  worker_id: z.string().nullable(),
  supervisor_id: z.string().nullable(),
  parent_task_id: z.string().nullable(),
  scheduled_task_id: z.string().nullable(),
  original_task_id: z.string().nullable(),
  retry_number: z.number().int(),
  /** The agent's result object (json), or null before completion. */
  result: z.unknown(),
  error: z.string().nullable(),
  /** Dollars spent by the current attempt's agent, summed exactly in SQL (numeric) and read as a number. */
  cost_usd: z.string().transform(Number),
  message_count: z.number().int(),
  waiting_on: z.string().nullable(),
  activity_at: z.string().nullable(),
  accept_deadline: z.string().nullable(),
  /**
   * Stop grace of a cancelled task: until this time (or until cleared by the agent's final
   * `.error {cancelled}` or a heartbeat without the task) the task still occupies its agent.
   */
  release_deadline: z.string().nullable(),
  /** Delegate idempotency key (the supervisor's tool_use id); unique among tasks. */
  idempotency_key: z.string().nullable(),
  /** Bumped by every change; clients drop pushes older than what they hold. */
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  assigned_at: z.string().nullable(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

/**
 * What `TasksRepo.create` takes. Creation is idempotent on `id`, and on `idempotency_key` when one is
 * given: the same content returns the stored task, different content is a conflict. Defaults:
 * `options` and `source_metadata` `{}`, `source` `"api"`, links and `idempotency_key` `null`,
 * `retry_number` 0.
 */
export const NewTask = z.object({
  id: TaskId,
  prompt: z.string().min(1),
  options: JsonObject.default({}),
  source: z.string().min(1).default('api'),
  source_metadata: JsonObject.default({}),
  parent_task_id: TaskId.nullable().default(null),
  scheduled_task_id: z.string().min(1).nullable().default(null),
  original_task_id: TaskId.nullable().default(null),
  retry_number: z.number().int().min(0).default(0),
  supervisor_id: z.string().min(1).nullable().default(null),
  idempotency_key: z.string().min(1).max(200).nullable().default(null),
});
export type NewTask = z.input<typeof NewTask>;

/** The fields `NewTask` sets, which idempotent creation compares. */
export const NEW_TASK_FIELDS = [
  'prompt',
  'options',
  'source',
  'source_metadata',
  'parent_task_id',
  'scheduled_task_id',
  'original_task_id',
  'retry_number',
  'supervisor_id',
  'idempotency_key',
] as const;
