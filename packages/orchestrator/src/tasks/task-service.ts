import {
  Broadcasts,
  type CreateTaskRequest,
  type DelegateReply,
  type DelegateRequest,
  Events,
  FigaroError,
  type Task,
  type TaskOptions,
} from '@figaro/protocol';
import {
  FINISHED_STATUSES,
  queryRows,
  type StoreRepos,
  TaskRecord,
  TransitionConflictError,
} from '@figaro/store';
import type { z } from 'zod';
import type { OrchestratorDeps } from '../deps.js';
import { TaskQueue } from '../dispatch/task-queue.js';
import { announceTaskEnd } from '../events/orchestrator-events.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { toStoredEvent, toTask } from './task-view.js';

const TaskIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a new task is made of, from whichever door it came in. */
export interface NewTaskInput {
  prompt: string;
  options: TaskOptions;
  source?: string;
  sourceMetadata?: Record<string, unknown>;
  parentTaskId?: string | null;
  originalTaskId?: string | null;
  retryNumber?: number;
  supervisorId?: string | null;
  idempotencyKey?: string | null;
}

/** Creating, stopping and reading tasks. Every change commits with its broadcasts in the outbox. */
export class TaskService {
  readonly #deps: OrchestratorDeps;
  readonly #afterCommit: () => void;
  readonly #drain: () => Promise<void>;

  constructor(deps: OrchestratorDeps, hooks: { afterCommit: () => void; drain: () => Promise<void> }) {
    this.#deps = deps;
    this.#afterCommit = hooks.afterCommit;
    this.#drain = hooks.drain;
  }

  /** `figaro.api.tasks.create`: idempotent on `options.task_id`. */
  async create(request: z.output<typeof CreateTaskRequest>): Promise<Task> {
    let options = request.options;
    if (options.worker_id) {
      // A task pinned to a worker is a worker task; only a supervisor task could not honour the pin.
      if (options.target === 'supervisor') {
        throw new FigaroError(
          'invalid_request',
          'options.worker_id: a supervisor task cannot be pinned to a worker',
        );
      }
      options = { ...options, target: 'worker' };
    }
    return this.createTask({
      prompt: request.prompt,
      options,
      ...(request.source ? { source: request.source } : {}),
      ...(request.source_metadata ? { sourceMetadata: request.source_metadata } : {}),
    });
  }

  /** Stores a task `pending`, queues it and drains the queue. Same id and content → the stored task. */
  async createTask(input: NewTaskInput): Promise<Task> {
    const id = input.options.task_id ?? this.#deps.newId();
    const { task, created } = await this.#deps.store.tx(async (repos) => {
      const result = await repos.tasks.create({
        id,
        prompt: input.prompt,
        options: input.options,
        source: input.source ?? 'api',
        source_metadata: input.sourceMetadata ?? {},
        parent_task_id: input.parentTaskId ?? null,
        original_task_id: input.originalTaskId ?? null,
        retry_number: input.retryNumber ?? 0,
        supervisor_id: input.supervisorId ?? null,
        idempotency_key: input.idempotencyKey ?? null,
      });
      if (!result.created) return result;
      await TaskQueue.enqueue(repos.db, id, input.options.worker_id ?? null);
      const waiting = await markWaitingWhenNobodyCanTakeIt(repos, id, input.options.target);
      const stored = waiting ?? result.task;
      await addToOutbox(repos, Broadcasts.task_created, { task: toTask(stored), version: stored.version });
      return { task: stored, created: true };
    });
    if (created) {
      this.#afterCommit();
      await this.#drain();
    }
    return toTask((await this.#deps.store.tasks.get(task.id)) ?? task);
  }

  /**
   * `figaro.api.delegate`: a supervisor hands part of its task to a worker. Idempotent on
   * `idempotency_key`; the child's supervisor, original task and retry number come from the parent.
   */
  async delegate(request: z.output<typeof DelegateRequest>): Promise<z.input<typeof DelegateReply>> {
    const existing = await this.#deps.store.tasks.getByIdempotencyKey(request.idempotency_key);
    if (existing) {
      // The key is the model's tool-use id: the same key under another parent is another call.
      if (existing.parent_task_id !== request.parent_task_id) {
        throw new FigaroError(
          'conflict',
          `idempotency key ${request.idempotency_key} was used for another task`,
        );
      }
      return delegateReply(existing);
    }
    const parent = await this.#deps.store.tasks.get(request.parent_task_id);
    if (!parent) throw new FigaroError('not_found', `parent task ${request.parent_task_id} not found`);
    if (parent.supervisor_id !== request.supervisor_id) {
      throw new FigaroError(
        'forbidden',
        `task ${parent.id} is not run by supervisor ${request.supervisor_id}`,
      );
    }
    if (FINISHED_STATUSES.includes(parent.status)) {
      throw new FigaroError('conflict', `parent task ${parent.id} is already ${parent.status}`);
    }
    try {
      const child = await this.createTask({
        prompt: request.prompt,
        options: {
          ...request.options,
          target: 'worker',
          ...(request.worker_id ? { worker_id: request.worker_id } : {}),
        },
        source: 'delegation',
        parentTaskId: parent.id,
        originalTaskId: parent.original_task_id,
        retryNumber: parent.retry_number,
        supervisorId: parent.supervisor_id,
        idempotencyKey: request.idempotency_key,
      });
      const stored = await this.#deps.store.tasks.get(child.task_id);
      if (!stored) throw new FigaroError('internal', `delegated task ${child.task_id} vanished`);
      return delegateReply(stored);
    } catch (err) {
      // A concurrent call with the same key won the insert: answer with its task.
      const raced = await this.#deps.store.tasks.getByIdempotencyKey(request.idempotency_key);
      if (raced) return delegateReply(raced);
      throw err;
    }
  }

  /** `figaro.api.tasks.get`. */
  async get(taskId: string, includeMessages: boolean) {
    const task = await this.#deps.store.tasks.get(taskId);
    if (!task) throw new FigaroError('not_found', `task ${taskId} not found`);
    if (!includeMessages) return toTask(task);
    const events = await this.#deps.store.taskEvents.list(taskId);
    return { ...toTask(task), messages: events.map(toStoredEvent) };
  }

  /** `figaro.api.tasks`: newest first, keyset-paginated. */
  async list(query: { status?: Task['status']; worker_id?: string; limit: number; cursor?: string }) {
    const page = await this.#deps.store.tasks.list({
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.worker_id ? { worker_id: query.worker_id } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { tasks: page.tasks.map(toTask), next_cursor: page.next_cursor };
  }

  /** `figaro.api.tasks.search`: case-insensitive match on prompt, result and error. */
  async search(query: {
    q: string;
    status?: Task['status'];
    limit: number;
    offset: number;
    include_messages: boolean;
  }) {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await queryRows(
      this.#deps.store.db,
      TaskRecord,
      `SELECT * FROM tasks
        WHERE (prompt ILIKE $1 OR COALESCE(result::text, '') ILIKE $1 OR COALESCE(error, '') ILIKE $1)
          AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [pattern, query.status ?? null, query.limit, query.offset],
    );
    const tasks = [];
    for (const row of rows) {
      if (!query.include_messages) tasks.push(toTask(row));
      else
        tasks.push({
          ...toTask(row),
          messages: (await this.#deps.store.taskEvents.list(row.id)).map(toStoredEvent),
        });
    }
    return { tasks };
  }

  /**
   * `figaro.api.tasks.stop`: the task becomes `cancelled` at once, with every task delegated under it;
   * each agent that held one is told to stop and stays occupied until it confirms or the stop grace ends.
   */
  async stop(taskId: string): Promise<{ success: true; task_id: string }> {
    await this.#deps.store.tx(async (repos) => {
      // Lock the row so a concurrent claim or first event waits instead of failing the stop.
      if (TaskIdPattern.test(taskId))
        await repos.db.query('SELECT id FROM tasks WHERE id = $1 FOR UPDATE', [taskId]);
      const task = await repos.tasks.get(taskId);
      if (!task) throw new FigaroError('not_found', `task ${taskId} not found`);
      if (FINISHED_STATUSES.includes(task.status)) {
        throw new FigaroError('conflict', `task ${taskId} is already ${task.status}`);
      }
      await this.cancelTree(repos, task, 'cancelled');
    });
    this.#afterCommit();
    return { success: true, task_id: taskId };
  }

  /**
   * Inside a transaction: cancels a task that is not finished and, recursively, its unfinished
   * children. `error` is stored on each (e.g. "cancelled", "supervisor lost").
   */
  async cancelTree(repos: StoreRepos, task: TaskRecord, error: string, announce = true): Promise<void> {
    if (FINISHED_STATUSES.includes(task.status)) return;
    const held = task.status === 'assigned' || task.status === 'running';
    const graceEnds = new Date(this.#deps.clock.now().getTime() + this.#deps.config.stopGraceMs);
    let cancelled: TaskRecord;
    try {
      cancelled = await repos.tasks.transition(task.id, 'cancelled', {
        expect: { status: [task.status], attempt: task.attempt },
        set: { error, release_deadline: held ? graceEnds : null },
      });
    } catch (err) {
      if (err instanceof TransitionConflictError) {
        throw new FigaroError('conflict', `task ${task.id} changed while stopping; try again`, {
          cause: err,
        });
      }
      throw err;
    }
    await TaskQueue.remove(repos.db, task.id);
    if (held) {
      const stop = task.worker_id
        ? Events.workerStop.at(task.worker_id)
        : task.supervisor_id
          ? Events.supervisorStop.at(task.supervisor_id)
          : null;
      if (stop) await addToOutbox(repos, stop, { task_id: task.id, attempt: task.attempt });
    }
    // After the stop (the relay publishes in order, so the agent hears of it first), whoever follows
    // this task's events — a supervisor waiting on it — learns that it ended. Tasks cancelled with their
    // parent are not announced: their parent's agent is being stopped at the same moment.
    if (announce) await announceTaskEnd(repos, task.id, error, true);
    await addToOutbox(repos, Broadcasts.task_cancelled, {
      task_id: task.id,
      ...(task.worker_id ? { worker_id: task.worker_id } : {}),
      ...(task.supervisor_id ? { supervisor_id: task.supervisor_id } : {}),
    });
    await addToOutbox(repos, Broadcasts.task_updated, {
      task: toTask(cancelled),
      version: cancelled.version,
    });
    const children = await queryRows(
      repos.db,
      TaskRecord,
      `SELECT * FROM tasks WHERE parent_task_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled') FOR UPDATE`,
      [task.id],
    );
    for (const child of children) await this.cancelTree(repos, child, error, false);
  }
}

/** Sets `waiting_on: "no_worker"` when no connected agent could ever take the task; returns the task then. */
async function markWaitingWhenNobodyCanTakeIt(
  repos: StoreRepos,
  taskId: string,
  target: TaskOptions['target'],
): Promise<TaskRecord | null> {
  const kinds =
    target === 'worker' ? ['worker'] : target === 'supervisor' ? ['supervisor'] : ['worker', 'supervisor'];
  const rows = await queryRows(
    repos.db,
    TaskRecord,
    `UPDATE tasks SET waiting_on = 'no_worker'
      WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM agents WHERE connected AND kind = ANY($2::text[]))
      RETURNING *`,
    [taskId, kinds],
  );
  return rows[0] ?? null;
}

function delegateReply(task: TaskRecord): z.input<typeof DelegateReply> {
  const queued = task.status === 'pending';
  return {
    task_id: task.id,
    worker_id: task.worker_id,
    queued,
    message: queued
      ? `task ${task.id} is queued until a worker is free`
      : `task ${task.id} is ${task.status}${task.worker_id ? ` on worker ${task.worker_id}` : ''}`,
  };
}
