import { appendEvent, type Bus, publishEvent, type Subscription, subscribeEvent } from '@figaro/bus';
import {
  type AgentKind,
  Api,
  Events,
  type SupervisorAssignment,
  type TaskResult,
  type WorkerAssignment,
} from '@figaro/protocol';

/** How a fake agent answers assignments: reserve them, say busy, stay silent, or not listen at all. */
export type AssignmentBehaviour = 'accept' | 'busy' | 'silent';

export type Assignment = WorkerAssignment | SupervisorAssignment;

export interface FakeAgentOptions {
  bus: Bus;
  id: string;
  kind?: AgentKind;
  /** Default `accept`. */
  behaviour?: AssignmentBehaviour;
  maxConcurrent?: number;
  desktopId?: string;
}

/**
 * A scripted agent for orchestrator tests: it registers, heartbeats when told, answers assignment
 * requests as scripted, and publishes the task events a test asks for, over the real bus protocol
 * (subjects, schemas, `Nats-Msg-Id` de-duplication). Received assignments and stops are queued for
 * the test to await.
 */
export class FakeAgent {
  readonly id: string;
  readonly kind: AgentKind;
  behaviour: AssignmentBehaviour;
  readonly #bus: Bus;
  readonly #maxConcurrent: number;
  readonly #desktopId: string | undefined;
  readonly #subscriptions: Subscription[] = [];
  readonly #assignments = new Waiters<Assignment>();
  readonly #stops = new Waiters<{ task_id: string; attempt: number }>();
  /** Tasks this agent holds, with the next event sequence number of each. */
  readonly #current = new Map<string, { attempt: number; seq: number }>();
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(options: FakeAgentOptions) {
    this.id = options.id;
    this.kind = options.kind ?? 'worker';
    this.behaviour = options.behaviour ?? 'accept';
    this.#bus = options.bus;
    this.#maxConcurrent = options.maxConcurrent ?? (this.kind === 'worker' ? 1 : 4);
    this.#desktopId = options.desktopId;
  }

  /** Listens for assignments and stops, then registers. */
  async start(): Promise<void> {
    const taskEntry = this.kind === 'worker' ? Api.workerTask.at(this.id) : Api.supervisorTask.at(this.id);
    this.#subscriptions.push(
      await this.#bus.subscribe(taskEntry.subject, async (msg) => {
        const assignment = msg.json() as Assignment;
        if (this.behaviour === 'silent') {
          this.#assignments.push(assignment);
          return;
        }
        if (this.behaviour === 'busy') {
          await msg.respond({ error: 'busy', code: 'busy' });
          return;
        }
        this.#current.set(assignment.task_id, { attempt: assignment.attempt, seq: 1 });
        await msg.respond({ status: 'ok' });
        this.#assignments.push(assignment);
      }),
    );
    const stopEntry =
      this.kind === 'worker' ? Events.workerStop.at(this.id) : Events.supervisorStop.at(this.id);
    this.#subscriptions.push(
      await subscribeEvent(this.#bus, stopEntry, async (stop) => {
        this.#stops.push(stop);
      }),
    );
    await this.register();
  }

  async register(): Promise<void> {
    const tasks = [...this.#current.keys()];
    if (this.kind === 'worker') {
      await this.#bus.request(Api.registerWorker, {
        worker_id: this.id,
        ...(this.#desktopId ? { desktop_id: this.#desktopId } : {}),
        capabilities: ['computer'],
        status: tasks.length > 0 ? 'busy' : 'idle',
        metadata: { os: 'linux', hostname: this.id },
        current_task_id: tasks[0] ?? null,
        max_concurrent: this.#maxConcurrent,
      });
    } else {
      await this.#bus.request(Api.registerSupervisor, {
        worker_id: this.id,
        capabilities: ['delegate'],
        status: 'idle',
        metadata: { hostname: this.id },
        current_task_ids: tasks,
        max_concurrent: this.#maxConcurrent,
      });
    }
  }

  /** Publishes one heartbeat reporting the tasks this agent holds. */
  async heartbeat(): Promise<void> {
    const tasks = [...this.#current.keys()];
    await publishEvent(this.#bus, Events.heartbeat.at(this.kind, this.id), {
      client_id: this.id,
      client_type: this.kind,
      status: tasks.length > 0 ? 'busy' : 'idle',
      ...(this.kind === 'worker' ? { current_task_id: tasks[0] ?? null } : { current_task_ids: tasks }),
    });
  }

  startHeartbeats(intervalMs: number): void {
    this.stopHeartbeats();
    this.#heartbeat = setInterval(() => void this.heartbeat().catch(() => {}), intervalMs);
  }

  stopHeartbeats(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** The next assignment received (or already received and not yet taken). */
  nextAssignment(timeoutMs = 5_000): Promise<Assignment> {
    return this.#assignments.next(timeoutMs, `${this.id}: no assignment within ${timeoutMs} ms`);
  }

  nextStop(timeoutMs = 5_000): Promise<{ task_id: string; attempt: number }> {
    return this.#stops.next(timeoutMs, `${this.id}: no stop within ${timeoutMs} ms`);
  }

  /** Publishes an AssistantMessage with one text block on the task's stream. */
  async message(taskId: string, text: string, costUsd?: number): Promise<void> {
    const { attempt, seq } = this.#take(taskId);
    await appendEvent(
      this.#bus,
      Events.taskMessage.at(taskId),
      {
        task_id: taskId,
        attempt,
        seq,
        worker_id: this.id,
        __type__: 'AssistantMessage',
        content: [{ type: 'text', text }],
        ...(costUsd !== undefined ? { cost_usd: costUsd } : {}),
      },
      { msgId: `${taskId}:${attempt}:${seq}` },
    );
  }

  async complete(taskId: string, result: TaskResult): Promise<void> {
    const { attempt, seq } = this.#take(taskId);
    this.#current.delete(taskId);
    await appendEvent(
      this.#bus,
      Events.taskComplete.at(taskId),
      { task_id: taskId, attempt, seq, worker_id: this.id, result },
      { msgId: `${taskId}:${attempt}:${seq}` },
    );
  }

  async fail(taskId: string, error: string, cancelled = false): Promise<void> {
    const { attempt, seq } = this.#take(taskId);
    this.#current.delete(taskId);
    await appendEvent(
      this.#bus,
      Events.taskError.at(taskId),
      {
        task_id: taskId,
        attempt,
        seq,
        worker_id: this.id,
        error,
        ...(cancelled ? { cancelled: true as const } : {}),
      },
      { msgId: `${taskId}:${attempt}:${seq}` },
    );
  }

  /** Forgets a task without telling anyone (as an agent that crashed and restarted would). */
  forget(taskId: string): void {
    this.#current.delete(taskId);
  }

  async deregister(): Promise<void> {
    await publishEvent(this.#bus, Events.deregister.at(this.kind, this.id), { client_id: this.id });
  }

  /** Stops listening and heartbeating (as a crashed agent would); does not deregister. */
  async stop(): Promise<void> {
    this.stopHeartbeats();
    for (const sub of this.#subscriptions.splice(0)) await sub.unsubscribe().catch(() => {});
  }

  #take(taskId: string): { attempt: number; seq: number } {
    const held = this.#current.get(taskId);
    if (!held) throw new Error(`${this.id} holds no task ${taskId}`);
    const taken = { attempt: held.attempt, seq: held.seq };
    held.seq += 1;
    return taken;
  }
}

/** A queue whose consumers can await the next item with a deadline. */
class Waiters<T> {
  readonly #items: T[] = [];
  readonly #waiting: Array<(item: T) => void> = [];

  push(item: T): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  next(timeoutMs: number, message: string): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiting.indexOf(deliver);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(new Error(message));
      }, timeoutMs);
      const deliver = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.#waiting.push(deliver);
    });
  }
}
