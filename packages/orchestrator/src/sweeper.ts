import type { AgentKind } from '@figaro/protocol';
import type { OrchestratorDeps } from './deps.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import type { Registry } from './registry/registry.js';
import type { TaskLifecycle } from './tasks/task-lifecycle.js';

/** A sweep step owned by a module (help request deadlines, later schedules). */
export type SweepStep = () => Promise<unknown>;

/** A sweep step with the name its failures are logged under. */
export interface NamedSweepStep {
  name: string;
  run: SweepStep;
}

/**
 * Every deadline is a column; each replica sweeps due ones at start and every `sweepIntervalMs`
 * (rows taken with SKIP LOCKED, so replicas share them): lost agents, unaccepted assignments, ended
 * stop graces, the modules' steps, then the queue is drained.
 */
export class Sweeper {
  readonly #deps: OrchestratorDeps;
  readonly #registry: Registry;
  readonly #dispatcher: Dispatcher;
  readonly #lifecycle: TaskLifecycle;
  readonly #steps: readonly NamedSweepStep[];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(
    deps: OrchestratorDeps,
    parts: { registry: Registry; dispatcher: Dispatcher; lifecycle: TaskLifecycle },
    steps: readonly NamedSweepStep[] = [],
  ) {
    this.#deps = deps;
    this.#registry = parts.registry;
    this.#dispatcher = parts.dispatcher;
    this.#lifecycle = parts.lifecycle;
    this.#steps = steps;
  }

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), this.#deps.config.sweepIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One pass; a pass already running is awaited instead of starting another. */
  sweep(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#pass().finally(() => {
        this.#running = null;
      });
    }
    return this.#running;
  }

  async #pass(): Promise<void> {
    const steps: NamedSweepStep[] = [
      { name: 'lost agents', run: () => this.#registry.sweepLost() },
      { name: 'accept deadlines', run: () => this.#expiredAssignments() },
      { name: 'stop graces', run: () => this.#endedGraces() },
      ...this.#steps,
      { name: 'queue', run: () => this.#dispatcher.drain() },
    ];
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        this.#deps.logger.error(
          { step: step.name, err: err instanceof Error ? err.message : String(err) },
          'sweep step failed',
        );
      }
    }
  }

  /** Assignments whose agent never accepted (the orchestrator that offered them may have died). */
  async #expiredAssignments(): Promise<void> {
    const expired = await this.#deps.store.tasks.expiredAssignments(this.#deps.clock.now());
    for (const task of expired) {
      const kind: AgentKind = task.worker_id ? 'worker' : 'supervisor';
      const agentId = task.worker_id ?? task.supervisor_id;
      if (agentId) await this.#dispatcher.takeBack(task.id, task.attempt, { id: agentId, kind }, 'no_reply');
    }
  }

  /** Cancelled tasks whose agent never confirmed the stop: they stop occupying it. */
  async #endedGraces(): Promise<void> {
    const released = await this.#deps.store.tx(async (repos) => {
      const due = await repos.tasks.dueReleases(this.#deps.clock.now());
      for (const task of due) await this.#lifecycle.endStopGrace(repos, task);
      return due.length;
    });
    if (released > 0) void this.#dispatcher.drain();
  }
}
