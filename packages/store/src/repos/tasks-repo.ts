import { type AgentKind, parseWith, TaskId } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, parseRows, queryOne, queryRows } from '../db.js';
import { ConflictError, NotFoundError, QueryError, StoreError } from '../errors.js';
import { asStoredJson, jsonEqual } from '../json-equal.js';
import { storableJson } from '../stored-text.js';
import { ownedBy } from './agent-load.js';
import { decodeTaskCursor, encodeTaskCursor } from './task-cursor.js';
import { NEW_TASK_FIELDS, NewTask, TaskRecord, type TaskStatus, TaskStatusSchema } from './task-record.js';
import { type TransitionOptions, transitionTask } from './task-transition.js';

export type { TaskPatch, TransitionExpectations, TransitionOptions } from './task-transition.js';

/** Filter and page of `TasksRepo.search`. */
export interface TaskSearchQuery {
  /** Matched case-insensitively, literally (no wildcards), against prompt, result and error. */
  q: string;
  status?: TaskStatus;
  limit: number;
  offset: number;
}

/** What `TasksRepo.setWaitingOn` also requires of the task. */
export interface WaitingOnGuard {
  /** The task must be in one of these statuses. Default assigned or running. */
  statuses?: readonly TaskStatus[];
  /** The task must be on this attempt. */
  attempt?: number;
  /** The task must currently wait on this (e.g. clear only `human`). */
  current?: string;
  /** Only while none of the task's help requests is pending. */
  noPendingHelp?: boolean;
  /** Only while no connected agent of these kinds exists (`no_worker`). */
  noConnectedAgentOf?: readonly AgentKind[];
}

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

const TaskListQuerySchema = z.object({
  status: TaskStatusSchema.optional(),
  worker_id: z.string().optional(),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().nullable().optional(),
});

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
          storableJson(task.options),
          task.source,
          storableJson(task.source_metadata),
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
    return transitionTask(this.#db, id, to, options, (taskId) => this.get(taskId));
  }

  /** How many tasks are in each status (statuses without tasks are absent). */
  async countByStatus(): Promise<Partial<Record<TaskStatus, number>>> {
    const rows = await queryRows(
      this.#db,
      z.object({ status: TaskStatusSchema, n: z.number().int() }),
      'SELECT status, count(*)::int AS n FROM tasks GROUP BY status',
      [],
      'task count',
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  /** The task with this id locked `FOR UPDATE` until the transaction ends, or null. */
  async lock(id: string): Promise<TaskRecord | null> {
    if (!TaskId.safeParse(id).success) return null;
    return queryOne(this.#db, TaskRecord, 'SELECT * FROM tasks WHERE id = $1 FOR UPDATE', [id], 'task');
  }

  /** Newest first: a case-insensitive literal match of `q` on prompt, result and error. */
  async search(query: TaskSearchQuery): Promise<TaskRecord[]> {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return queryRows(
      this.#db,
      TaskRecord,
      `SELECT * FROM tasks
        WHERE (prompt ILIKE $1 OR COALESCE(result::text, '') ILIKE $1 OR COALESCE(error, '') ILIKE $1)
          AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [pattern, query.status ?? null, query.limit, query.offset],
      'task',
    );
  }

  /** A task's children that are not finished, locked `FOR UPDATE` (call it inside a transaction). */
  async unfinishedChildren(parentId: string): Promise<TaskRecord[]> {
    if (!TaskId.safeParse(parentId).success) return [];
    return queryRows(
      this.#db,
      TaskRecord,
      `SELECT * FROM tasks WHERE parent_task_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')
        ORDER BY created_at, id FOR UPDATE`,
      [parentId],
      'task',
    );
  }

  /** Assigned tasks whose accept deadline passed before `now`, oldest deadline first. */
  async expiredAssignments(now: Date | string, limit = 100): Promise<TaskRecord[]> {
    return queryRows(
      this.#db,
      TaskRecord,
      `SELECT * FROM tasks WHERE status = 'assigned' AND accept_deadline < $1::timestamptz
        ORDER BY accept_deadline LIMIT $2`,
      [now, limit],
      'task',
    );
  }

  /**
   * Tasks in assigned or running that an agent holds (a supervisor's own tasks, not its delegations),
   * oldest assignment first; `lock` takes them `FOR UPDATE` (inside a transaction).
   */
  async heldBy(kind: AgentKind, agentId: string, options: { lock?: boolean } = {}): Promise<TaskRecord[]> {
    return queryRows(
      this.#db,
      TaskRecord,
      `SELECT * FROM tasks WHERE ${ownedBy(kind, '$1')} AND status IN ('assigned', 'running')
        ORDER BY assigned_at, id${options.lock ? ' FOR UPDATE' : ''}`,
      [agentId],
      'task',
    );
  }

  /**
   * Ends the stop grace of the agent's cancelled tasks that it no longer reports running (it stopped
   * them): they stop occupying it. Returns how many were released.
   */
  async releaseUnreported(kind: AgentKind, agentId: string, reportedIds: readonly string[]): Promise<number> {
    const reported = reportedIds.filter((id) => TaskId.safeParse(id).success);
    const rows = await this.#db.query(
      `UPDATE tasks SET release_deadline = NULL
        WHERE ${ownedBy(kind, '$1')} AND status = 'cancelled' AND release_deadline IS NOT NULL
          AND NOT (id = ANY($2::uuid[]))
        RETURNING id`,
      [agentId, reported],
    );
    return rows.length;
  }

  /**
   * Records when an attempt's agent last reported progress (`activity_at`; liveness, not a new
   * version). False when the task is not assigned or running on that attempt.
   */
  async recordActivity(id: string, attempt: number, at: Date | string): Promise<boolean> {
    if (!TaskId.safeParse(id).success) return false;
    const rows = await this.#db.query(
      `UPDATE tasks SET activity_at = $3::timestamptz
        WHERE id = $1 AND attempt = $2 AND status IN ('assigned', 'running') RETURNING id`,
      [id, attempt, at],
    );
    return rows.length > 0;
  }

  /**
   * Sets what a task waits on (`no_worker`, `human`, `paused`, `budget`, or null) when that changes
   * and the guard holds, bumping `version`; returns the updated task, or null when nothing changed.
   */
  async setWaitingOn(
    id: string,
    waitingOn: string | null,
    guard: WaitingOnGuard = {},
  ): Promise<TaskRecord | null> {
    if (!TaskId.safeParse(id).success) return null;
    const params: unknown[] = [id, waitingOn, guard.statuses ?? ['assigned', 'running']];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = ['id = $1', 'status = ANY($3::text[])', 'waiting_on IS DISTINCT FROM $2::text'];
    if (guard.attempt !== undefined) where.push(`attempt = ${param(guard.attempt)}`);
    if (guard.current !== undefined) where.push(`waiting_on = ${param(guard.current)}`);
    if (guard.noPendingHelp) {
      where.push(
        `NOT EXISTS (SELECT 1 FROM help_requests h WHERE h.task_id = tasks.id AND h.status = 'pending')`,
      );
    }
    if (guard.noConnectedAgentOf) {
      where.push(
        `NOT EXISTS (SELECT 1 FROM agents a WHERE a.connected AND a.kind = ANY(${param(guard.noConnectedAgentOf)}::text[]))`,
      );
    }
    return queryOne(
      this.#db,
      TaskRecord,
      `UPDATE tasks SET waiting_on = $2, version = version + 1, updated_at = now()
        WHERE ${where.join(' AND ')} RETURNING *`,
      params,
      'task',
    );
  }

  /**
   * The agent accepted its assignment: the accept deadline no longer applies. False when the task is
   * no longer on that attempt in assigned or running (a late acceptance of a task taken back).
   */
  async clearAcceptDeadline(id: string, attempt: number): Promise<boolean> {
    if (!TaskId.safeParse(id).success) return false;
    const rows = await this.#db.query(
      `UPDATE tasks SET accept_deadline = NULL
        WHERE id = $1 AND attempt = $2 AND status IN ('assigned', 'running') RETURNING id`,
      [id, attempt],
    );
    return rows.length > 0;
  }
}
