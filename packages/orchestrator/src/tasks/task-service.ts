import {
  type CreateTaskRequest,
  type DelegateReply,
  type DelegateRequest,
  FigaroError,
  type Task,
  type TaskOptions,
} from '@figaro/protocol';
import { FINISHED_STATUSES, type TaskRecord } from '@figaro/store';
import type { z } from 'zod';
import type { OrchestratorDeps } from '../deps.js';
import type { TaskLifecycle } from './task-lifecycle.js';
import { toStoredEvent, toTask } from './task-view.js';

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
  readonly #lifecycle: TaskLifecycle;
  readonly #afterCommit: () => void;
  readonly #drain: () => Promise<void>;

  constructor(
    deps: OrchestratorDeps,
    lifecycle: TaskLifecycle,
    hooks: { afterCommit: () => void; drain: () => Promise<void> },
  ) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
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
    const { task, created } = await this.#deps.store.tx((repos) =>
      this.#lifecycle.create(repos, {
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
      }),
    );
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
    const rows = await this.#deps.store.tasks.search({
      q: query.q,
      limit: query.limit,
      offset: query.offset,
      ...(query.status ? { status: query.status } : {}),
    });
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
      const task = await repos.tasks.lock(taskId);
      if (!task) throw new FigaroError('not_found', `task ${taskId} not found`);
      if (FINISHED_STATUSES.includes(task.status)) {
        throw new FigaroError('conflict', `task ${taskId} is already ${task.status}`);
      }
      await this.#lifecycle.cancelTree(repos, task, 'cancelled');
    });
    this.#afterCommit();
    return { success: true, task_id: taskId };
  }
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
