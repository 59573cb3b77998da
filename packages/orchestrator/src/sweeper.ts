import type { AgentKind } from '@figaro/protocol';
import { queryRows, TaskRecord } from '@figaro/store';
import type { OrchestratorDeps } from './deps.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import { markAgentIdleIfFree } from './events/agent-release.js';
import type { Registry } from './registry/registry.js';

/** A sweep step owned by another component (help request deadlines, later schedules). */
export type SweepStep = () => Promise<unknown>;

/**
 * Every deadline is a column; each replica sweeps due ones at start and every `sweepIntervalMs`
 * (rows taken with SKIP LOCKED, so replicas share them): lost agents, unaccepted assignments, ended
 * stop graces, then the queue is drained.
 */
export class Sweeper {
  readonly #deps: OrchestratorDeps;
  readonly #registry: Registry;
  readonly #dispatcher: Dispatcher;
  readonly #steps: SweepStep[] = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(deps: OrchestratorDeps, registry: Registry, dispatcher: Dispatcher) {
    this.#deps = deps;
    this.#registry = registry;
    this.#dispatcher = dispatcher;
  }

  addStep(step: SweepStep): void {
    this.#steps.push(step);
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
    const steps: Array<[string, SweepStep]> = [
      ['lost agents', () => this.#registry.sweepLost()],
      ['accept deadlines', () => this.#expiredAssignments()],
      ['stop graces', () => this.#endedGraces()],
      ...this.#steps.map((step, i): [string, SweepStep] => [`step ${i}`, step]),
      ['queue', () => this.#dispatcher.drain()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.#deps.logger.error(
          { step: name, err: err instanceof Error ? err.message : String(err) },
          'sweep step failed',
        );
      }
    }
  }

  /** Assignments whose agent never accepted (the orchestrator that offered them may have died). */
  async #expiredAssignments(): Promise<void> {
    const expired = await queryRows(
      this.#deps.store.db,
      TaskRecord,
      `SELECT * FROM tasks WHERE status = 'assigned' AND accept_deadline < $1::timestamptz ORDER BY accept_deadline LIMIT 100`,
      [this.#deps.clock.now().toISOString()],
    );
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
      for (const task of due) {
        await repos.tasks.clearReleaseDeadline(task.id);
        if (task.worker_id) await markAgentIdleIfFree(repos, task.worker_id, 'worker');
        else if (task.supervisor_id) await markAgentIdleIfFree(repos, task.supervisor_id, 'supervisor');
      }
      return due.length;
    });
    if (released > 0) void this.#dispatcher.drain();
  }
}
