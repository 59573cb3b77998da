import { parseWith, TaskId } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, parseRows, queryOne, queryRows } from '../db.js';
import { ConflictError, NotFoundError, QueryError, StoreError, TransitionConflictError } from '../errors.js';
import { asStoredJson, jsonEqual } from '../json-equal.js';
import { decodeTaskCursor, encodeTaskCursor } from './task-cursor.js';
import {
  FINISHED_STATUSES,
  NEW_TASK_FIELDS,
  NewTask,
  statusesLeadingTo,
  TASK_TRANSITIONS,
  TaskRecord,
  type TaskStatus,
  TaskStatusSchema,
} from './task-record.js';

/** Filter and page of `TasksRepo.list`. */
export interface TaskListQuery {
  status?: TaskStatus;
  worker_id?: string;
  /** Page size, 1–500. Default 50. */
  limit?: number;
  /** `next_cursor` of the previous page; absent or null for the first page. */
  cursor?: string | null;
}

/** One page of tasks, newest first; `next_cursor` is null on the last page. */
export interface TaskPage {
  tasks: TaskRecord[];
  next_cursor: string | null;
}

/** Columns a transition may also write. Absent keys are left alone; `null` clears. */
export interface TaskPatch {
  worker_id?: string | null;
  supervisor_id?: string | null;
  /** When an assignment not yet accepted expires (ISO string or Date). */
  accept_deadline?: string | Date | null;
  /** When a cancelled task stops occupying its agent at the latest (stop grace; ISO string or Date). */
  release_deadline?: string | Date | null;
  waiting_on?: string | null;
  /** Stored as json. */
  result?: unknown;
  error?: string | null;
}

/** Guards of a transition besides the status graph; each one that fails is a `TransitionConflictError`. */
export interface TransitionExpectations {
  /** The task must currently be in one of these statuses. */
  status?: readonly TaskStatus[];
  /** The task must have this version. */
  version?: number;
  /** The task must be on this attempt (events of older assignments never change a task). */
  attempt?: number;
}

/** Options of `TasksRepo.transition`. */
export interface TransitionOptions {
  expect?: TransitionExpectations;
  set?: TaskPatch;
}

const TaskListQuerySchema = z.object({
  status: TaskStatusSchema.optional(),
  worker_id: z.string().optional(),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().nullable().optional(),
});

/** SQL each target status implies, before the caller's patch (which overrides a column it also sets). */
const IMPLIED: Record<TaskStatus, Record<string, string>> = {
  pending: { accept_deadline: 'NULL' },
  assigned: { attempt: 'attempt + 1', assigned_at: 'now()', started_at: 'NULL', waiting_on: 'NULL' },
  running: { started_at: 'COALESCE(started_at, now())', activity_at: 'now()', accept_deadline: 'NULL' },
  completed: { completed_at: 'now()', accept_deadline: 'NULL', waiting_on: 'NULL' },
  failed: { completed_at: 'now()', accept_deadline: 'NULL', waiting_on: 'NULL' },
  cancelled: { completed_at: 'now()', accept_deadline: 'NULL', waiting_on: 'NULL' },
};

/** Tasks: idempotent creation, lookups, keyset listing and guarded status transitions. */
export class TasksRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores a new `pending` task. Idempotent on `id`, and on `idempotency_key` when given (a delegate
   * retried with a fresh id finds the task of its first attempt): when a task with that id or key
   * exists with the same content it comes back with `created: false`; different content is a
   * `ConflictError`. Invalid input is an `InvalidRequestError`; an unknown
   * `parent_task_id`/`original_task_id` is a `NotFoundError`.
   */
  async create(input: NewTask): Promise<{ task: TaskRecord; created: boolean }> {
    const task = parseWith(NewTask, input, 'new task');
    let rows: Record<string, unknown>[];
    try {
      rows = await this.#db.query(
        `INSERT INTO tasks (id, prompt, options, source, source_metadata, parent_task_id, scheduled_task_id,
           original_task_id, retry_number, supervisor_id, idempotency_key)
         VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6, $7, $8, $9, $10, $11)
         ON CONFLICT DO NOTHING
         RETURNING *`,
        [
          task.id,
          task.prompt,
          JSON.stringify(task.options),
          task.source,
          JSON.stringify(task.source_metadata),
          task.parent_task_id,
          task.scheduled_task_id,
          task.original_task_id,
          task.retry_number,
          task.supervisor_id,
          task.idempotency_key,
        ],
      );
    } catch (error) {
      if (error instanceof QueryError && error.sqlState === '23503') {
        throw new NotFoundError(`task ${task.id} links to a task that does not exist`);
      }
      throw error;
    }
    const [inserted] = parseRows(TaskRecord, rows, 'task');
    if (inserted) return { task: inserted, created: true };

    const existing =
      (await this.get(task.id)) ??
      (task.idempotency_key === null ? null : await this.getByIdempotencyKey(task.idempotency_key));
    if (!existing) throw new StoreError(`task ${task.id} conflicted on insert but cannot be read`);
    const differs = NEW_TASK_FIELDS.filter((field) => !jsonEqual(existing[field], asStoredJson(task[field])));
    if (differs.length > 0) {
      const which =
        existing.id === task.id ? `task ${task.id}` : `a task with this idempotency key (${existing.id})`;
      throw new ConflictError(`${which} already exists with different ${differs.join(', ')}`);
    }
    return { task: existing, created: false };
  }

  /** The task created with this idempotency key, or null. */
  async getByIdempotencyKey(key: string): Promise<TaskRecord | null> {
    return queryOne(this.#db, TaskRecord, 'SELECT * FROM tasks WHERE idempotency_key = $1', [key], 'task');
  }

  /**
   * Ends a cancelled task's stop grace: clears `release_deadline`, so the task no longer occupies its
   * agent. True when this call cleared it (false when it was not set, or the task is unknown).
   */
  async clearReleaseDeadline(id: string): Promise<boolean> {
    if (!TaskId.safeParse(id).success) return false;
    const rows = await this.#db.query(
      'UPDATE tasks SET release_deadline = NULL WHERE id = $1 AND release_deadline IS NOT NULL RETURNING id',
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Tasks whose stop grace ran out (`release_deadline <= now`, the database's clock unless `now` is
   * given), oldest deadline first, locked `FOR UPDATE SKIP LOCKED` so that replicas sweeping at once
   * share them out. Call it inside a transaction and clear each deadline in the same one.
   */
  async dueReleases(now?: Date | string, limit = 100): Promise<TaskRecord[]> {
    return queryRows(
      this.#db,
      TaskRecord,
      `SELECT * FROM tasks WHERE release_deadline <= COALESCE($1::timestamptz, now())
       ORDER BY release_deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now ?? null, limit],
      'task',
    );
  }

  /** The task with this id, or null (also for ids that are not uuids). */
  async get(id: string): Promise<TaskRecord | null> {
    if (!TaskId.safeParse(id).success) return null;
    return queryOne(this.#db, TaskRecord, 'SELECT * FROM tasks WHERE id = $1', [id], 'task');
  }

  /**
   * Tasks newest first (`created_at`, then `id`), filtered by status and assignee, a page at a time.
   * Keyset pagination: rows created while paging never shift later pages. A bad cursor or limit is
   * an `InvalidRequestError`.
   */
  async list(query: TaskListQuery = {}): Promise<TaskPage> {
    const { status, worker_id, limit, cursor } = parseWith(TaskListQuerySchema, query, 'task list query');
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (status !== undefined) where.push(`status = ${param(status)}`);
    if (worker_id !== undefined) where.push(`worker_id = ${param(worker_id)}`);
    if (cursor) {
      const after = decodeTaskCursor(cursor);
      where.push(`(created_at, id) < (${param(after.created_at)}::timestamptz, ${param(after.id)}::uuid)`);
    }
    const rows = await this.#db.query(
      `SELECT * FROM tasks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const tasks = parseRows(TaskRecord, rows, 'task');
    const page = tasks.slice(0, limit);
    const last = page.at(-1);
    return {
      tasks: page,
      next_cursor:
        tasks.length > limit && last ? encodeTaskCursor({ created_at: last.created_at, id: last.id }) : null,
    };
  }

  /**
   * Moves a task to `to` in one guarded UPDATE and returns the updated task. The status graph is
   * `TASK_TRANSITIONS` (a finished task never changes); `expect` adds status, version and attempt
   * guards; every transition bumps `version` and `updated_at` and sets the target's implied columns
   * (`assigned`: attempt + 1 and assigned_at; `running`: started_at; finished: completed_at).
   * Refusals are `TransitionConflictError` (code conflict) saying why; an unknown task is a
   * `NotFoundError`.
   */
  async transition(id: string, to: TaskStatus, options: TransitionOptions = {}): Promise<TaskRecord> {
    if (!TaskId.safeParse(id).success) throw new NotFoundError(`task ${id} not found`);
    const expect = options.expect ?? {};
    const from = statusesLeadingTo(to).filter((status) => expect.status?.includes(status) ?? true);

    const params: unknown[] = [id];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const assignments = new Map<string, string>(Object.entries(IMPLIED[to]));
    assignments.set('status', param(to));
    const patch = options.set ?? {};
    for (const column of ['worker_id', 'supervisor_id', 'waiting_on', 'error'] as const) {
      if (patch[column] !== undefined) assignments.set(column, param(patch[column]));
    }
    for (const column of ['accept_deadline', 'release_deadline'] as const) {
      if (patch[column] !== undefined) assignments.set(column, `${param(patch[column])}::timestamptz`);
    }
    if (patch.result !== undefined) {
      assignments.set(
        'result',
        patch.result === null ? 'NULL' : `${param(JSON.stringify(patch.result))}::jsonb`,
      );
    }
    assignments.set('version', 'version + 1');
    assignments.set('updated_at', 'now()');

    const guards = [`id = $1`, `status = ANY(${param(from)}::text[])`];
    if (expect.version !== undefined) guards.push(`version = ${param(expect.version)}`);
    if (expect.attempt !== undefined) guards.push(`attempt = ${param(expect.attempt)}`);
    const set = [...assignments].map(([column, value]) => `${column} = ${value}`).join(', ');
    const rows = await this.#db.query(
      `UPDATE tasks SET ${set} WHERE ${guards.join(' AND ')} RETURNING *`,
      params,
    );
    const [updated] = parseRows(TaskRecord, rows, 'task');
    if (updated) return updated;
    throw await this.#whyRefused(id, to, expect);
  }

  /** Reads the task again to say which guard refused the transition (racy, but only for the error). */
  async #whyRefused(id: string, to: TaskStatus, expect: TransitionExpectations): Promise<Error> {
    const current = await this.get(id);
    if (!current) return new NotFoundError(`task ${id} not found`);
    const state = { status: current.status, version: current.version, attempt: current.attempt };
    if (FINISHED_STATUSES.includes(current.status))
      return new TransitionConflictError(id, to, 'finished', state);
    if (!TASK_TRANSITIONS[current.status].includes(to))
      return new TransitionConflictError(id, to, 'illegal', state);
    if (expect.status && !expect.status.includes(current.status)) {
      return new TransitionConflictError(id, to, 'status', state);
    }
    if (expect.version !== undefined && expect.version !== current.version) {
      return new TransitionConflictError(id, to, 'version', state);
    }
    if (expect.attempt !== undefined && expect.attempt !== current.attempt) {
      return new TransitionConflictError(id, to, 'attempt', state);
    }
    // Every guard holds now: the task changed between the UPDATE and this read.
    return new TransitionConflictError(id, to, 'status', state);
  }
}
