import { type Bus, publishEvent, type Subscription, serve, subscribeEvent } from '@figaro/bus';
import {
  type AgentKind,
  Api,
  type Clock,
  Events,
  type Logger,
  type Metadata,
  type SupervisorAssignment,
  systemClock,
  type TaskInput,
  type TaskResult,
  type WorkerAssignment,
} from '@figaro/protocol';
import { TaskEventPublisher } from './task-events.js';

/** An assignment as the runtime hands it to the task executor. */
export type Assignment = (WorkerAssignment | SupervisorAssignment) & { supervisor_id?: string };

/** What an executor gets for one task attempt. */
export interface TaskContext {
  assignment: Assignment;
  /** Aborted when the orchestrator stops the task or the agent shuts down. */
  signal: AbortSignal;
  events: TaskEventPublisher;
  /** Follow-ups, pause and resume sent with `figaro.task.{id}.input`, in arrival order. */
  takeInputs(): TaskInput[];
}

/** Runs one task to its end: returns the result, or throws (an abort ends it as cancelled). */
export type TaskExecutor = (context: TaskContext) => Promise<TaskResult>;

export interface AgentRuntimeOptions {
  bus: Bus;
  id: string;
  kind: AgentKind;
  execute: TaskExecutor;
  /** Tasks run at once: 1 for a worker, `FIGARO_SUPERVISOR_MAX_SESSIONS` (4) for a supervisor. */
  maxConcurrent?: number;
  desktopId?: string;
  capabilities?: string[];
  metadata?: Metadata;
  /** Default 30,000 ms (PROTOCOL.md). */
  heartbeatMs?: number;
  clock?: Clock;
  logger: Logger;
}

/** Every this many heartbeats the agent registers again instead (idempotent for the orchestrator). */
const REREGISTER_EVERY = 4;

interface Running {
  assignment: Assignment;
  abort: AbortController;
  inputs: TaskInput[];
  done: Promise<void>;
}

/**
 * An agent's presence and task lifecycle on the bus: registers, heartbeats (at once on every change
 * of state), reserves assignments before any desktop or model call (`{status: "ok"}`, or `busy` when
 * full), runs each task with the executor, publishes `.complete` or `.error` (`cancelled: true` when
 * stopped), obeys `.stop` within the executor's abort handling, and deregisters on stop.
 */
export class AgentRuntime {
  readonly id: string;
  readonly kind: AgentKind;
  readonly #options: AgentRuntimeOptions;
  readonly #running = new Map<string, Running>();
  readonly #subscriptions: Subscription[] = [];
  readonly #clock: Clock;
  #heartbeat: NodeJS.Timeout | null = null;
  #stopping = false;
  #stopReason = 'agent stopped';

  constructor(options: AgentRuntimeOptions) {
    this.#options = options;
    this.id = options.id;
    this.kind = options.kind;
    this.#clock = options.clock ?? systemClock;
  }

  get maxConcurrent(): number {
    return this.#options.maxConcurrent ?? (this.kind === 'worker' ? 1 : 4);
  }

  /** Task ids this agent runs now. */
  get currentTasks(): string[] {
    return [...this.#running.keys()];
  }

  async start(): Promise<void> {
    const { bus, logger } = this.#options;
    const taskEntry = this.kind === 'worker' ? Api.workerTask.at(this.id) : Api.supervisorTask.at(this.id);
    this.#subscriptions.push(
      await serve(bus, taskEntry, async (assignment) => this.#reserve(assignment), {
        logger,
        concurrency: 4,
      }),
      await subscribeEvent(
        bus,
        this.kind === 'worker' ? Events.workerStop.at(this.id) : Events.supervisorStop.at(this.id),
        async (stop) => {
          const running = this.#running.get(stop.task_id);
          // A stop for this attempt or a later one (the task was taken back and given to someone else).
          if (running && stop.attempt >= running.assignment.attempt) running.abort.abort();
        },
        { logger },
      ),
    );
    await this.register();
    const every = this.#options.heartbeatMs ?? 30_000;
    let beats = 0;
    this.#heartbeat = setInterval(() => {
      // Registering again now and then brings back an agent the orchestrator declared lost during
      // a network partition (its heartbeats are ignored until it registers).
      if (++beats % REREGISTER_EVERY === 0) void this.register().catch(() => {});
      else void this.heartbeat();
    }, every);
    this.#heartbeat.unref();
  }

  /** Registers (again), reporting the tasks this agent runs so the orchestrator can reconcile. */
  async register(): Promise<void> {
    const { bus, metadata = {}, capabilities = [] } = this.#options;
    const status = this.#running.size > 0 ? 'busy' : 'idle';
    if (this.kind === 'worker') {
      await bus.request(Api.registerWorker, {
        worker_id: this.id,
        ...(this.#options.desktopId ? { desktop_id: this.#options.desktopId } : {}),
        capabilities,
        status,
        metadata,
        current_task_id: this.currentTasks[0] ?? null,
        max_concurrent: this.maxConcurrent,
      });
    } else {
      await bus.request(Api.registerSupervisor, {
        worker_id: this.id,
        capabilities,
        status,
        metadata,
        current_task_ids: this.currentTasks,
        max_concurrent: this.maxConcurrent,
      });
    }
  }

  async heartbeat(): Promise<void> {
    const tasks = this.currentTasks;
    await publishEvent(this.#options.bus, Events.heartbeat.at(this.kind, this.id), {
      client_id: this.id,
      client_type: this.kind,
      status: tasks.length >= this.maxConcurrent ? 'busy' : 'idle',
      ...(this.kind === 'worker' ? { current_task_id: tasks[0] ?? null } : { current_task_ids: tasks }),
    }).catch((err: unknown) => this.#options.logger.warn({ err: String(err) }, 'heartbeat not sent'));
  }

  /**
   * Ends running tasks — each fails with `reason` (e.g. "interrupted by shutdown"), not as a stop the
   * orchestrator asked for — waits for them to report, and deregisters.
   */
  async stop(reason = 'agent stopped'): Promise<void> {
    this.#stopReason = reason;
    this.#stopping = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const running of this.#running.values()) running.abort.abort();
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
    for (const sub of this.#subscriptions.splice(0)) await sub.unsubscribe().catch(() => {});
    await publishEvent(this.#options.bus, Events.deregister.at(this.kind, this.id), {
      client_id: this.id,
    }).catch(() => {});
  }

  async #reserve(assignment: Assignment) {
    if (this.#stopping || this.#running.size >= this.maxConcurrent) {
      return { code: 'busy' as const, error: `${this.id} is busy` };
    }
    if (this.#running.has(assignment.task_id)) return { status: 'ok' as const };
    const abort = new AbortController();
    const running: Running = { assignment, abort, inputs: [], done: Promise.resolve() };
    this.#running.set(assignment.task_id, running);
    // The reply goes out first; the task starts right after, outside the request handler.
    running.done = Promise.resolve().then(() => this.#run(running));
    return { status: 'ok' as const };
  }

  async #run(running: Running): Promise<void> {
    const { bus, logger } = this.#options;
    const { assignment } = running;
    const log = logger.child({ task_id: assignment.task_id, attempt: assignment.attempt });
    const events = new TaskEventPublisher(
      bus,
      {
        taskId: assignment.task_id,
        attempt: assignment.attempt,
        workerId: this.id,
        ...(assignment.supervisor_id ? { supervisorId: assignment.supervisor_id } : {}),
      },
      log,
    );
    const input = await serve(
      bus,
      Api.taskInput.at(assignment.task_id),
      async (request) => {
        running.inputs.push(request);
        return { status: 'ok' as const };
      },
      { logger: log },
    ).catch(() => null);
    void this.heartbeat();
    const started = this.#clock.now().getTime();
    try {
      await events.progress('thinking', this.#clock.now());
      const result = await this.#options.execute({
        assignment,
        signal: running.abort.signal,
        events,
        takeInputs: () => running.inputs.splice(0),
      });
      if (running.abort.signal.aborted) throw new Error('cancelled');
      await events.complete({ duration_ms: this.#clock.now().getTime() - started, ...result });
    } catch (err) {
      // Aborted by the agent's own shutdown: a failure with the reason; by `.stop`: cancelled.
      const cancelled = running.abort.signal.aborted && !this.#stopping;
      const message = this.#stopping
        ? this.#stopReason
        : cancelled
          ? 'cancelled'
          : err instanceof Error
            ? err.message
            : String(err);
      if (!cancelled) log.warn({ err: message }, 'task failed');
      await events
        .error(message, cancelled)
        .catch((e: unknown) => log.error({ err: String(e) }, 'error event lost'));
    } finally {
      await input?.unsubscribe().catch(() => {});
      this.#running.delete(assignment.task_id);
      if (!this.#stopping) void this.heartbeat();
    }
  }
}
