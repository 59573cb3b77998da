import type { Subscription } from '@figaro/bus';
import { subscribeEvent } from '@figaro/bus';
import {
  type AgentKind,
  Broadcasts,
  Events,
  type Heartbeat,
  ORCHESTRATOR_QUEUE,
  type RegisterSupervisor,
  type RegisterWorker,
} from '@figaro/protocol';
import type { StoreRepos } from '@figaro/store';
import type { z } from 'zod';
import type { OrchestratorDeps } from '../deps.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { stopEvent, type TaskLifecycle } from '../tasks/task-lifecycle.js';
import { supervisorsView, workersView } from './fleet-view.js';

/** Called inside the transaction that loses an agent, for follow-ups owned elsewhere (help requests). */
export type AgentLostHook = (repos: StoreRepos, agentId: string) => Promise<void>;

/**
 * Presence: registrations, heartbeats, deregistrations and heartbeat deadlines. An agent that
 * deregisters or times out is removed, or reverted to a desktop-only entry when a stored desktop has
 * its id; its in-flight tasks fail with `worker lost`, and a lost supervisor's delegated tasks are
 * cancelled. Registration reconciles what the agent reports with what the store gives it.
 */
export class Registry {
  readonly #deps: OrchestratorDeps;
  readonly #lifecycle: TaskLifecycle;
  readonly #afterCommit: () => void;
  readonly #drain: () => Promise<void>;
  readonly #onAgentLost: readonly AgentLostHook[];
  readonly #subscriptions: Subscription[] = [];
  /** When an agent was first seen not reporting a task the store gives it (`task:attempt` → ms). */
  readonly #disagreeSince = new Map<string, number>();
  /** When this replica started: the heartbeat deadline never runs out before `started + timeout`. */
  readonly #startedAt: Date;

  /** `onAgentLost` hooks run, in order, inside the transaction that loses an agent. */
  constructor(
    deps: OrchestratorDeps,
    lifecycle: TaskLifecycle,
    hooks: { afterCommit: () => void; drain: () => Promise<void>; onAgentLost?: readonly AgentLostHook[] },
  ) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
    this.#afterCommit = hooks.afterCommit;
    this.#drain = hooks.drain;
    this.#onAgentLost = hooks.onAgentLost ?? [];
    this.#startedAt = deps.clock.now();
  }

  async start(): Promise<void> {
    const { bus, logger } = this.#deps;
    const opts = { queue: ORCHESTRATOR_QUEUE, logger, concurrency: 8 };
    this.#subscriptions.push(
      await subscribeEvent(bus, Events.heartbeat, (payload) => this.heartbeat(payload), opts),
      await subscribeEvent(
        bus,
        Events.deregister,
        (payload, msg) => this.deregister(payload.client_id, msg.subject),
        opts,
      ),
    );
  }

  async stop(): Promise<void> {
    for (const sub of this.#subscriptions.splice(0)) await sub.unsubscribe();
  }

  /** `figaro.register.{worker|supervisor}`. */
  async register(
    kind: AgentKind,
    req: z.output<typeof RegisterWorker> | z.output<typeof RegisterSupervisor>,
  ): Promise<{ status: 'ok' }> {
    const reported =
      'current_task_ids' in req ? req.current_task_ids : req.current_task_id ? [req.current_task_id] : [];
    await this.#deps.store.tx(async (repos) => {
      await repos.agents.upsert({
        worker_id: req.worker_id,
        kind,
        ...('desktop_id' in req && req.desktop_id ? { desktop_id: req.desktop_id } : {}),
        capabilities: req.capabilities,
        status: req.status,
        metadata: req.metadata,
        max_concurrent: req.max_concurrent,
      });
      // The same grace as heartbeats: a registration may cross an assignment in flight.
      await this.#reconcile(repos, kind, req.worker_id, reported, this.#deps.config.acceptTimeoutMs);
      await this.#broadcastFleet(repos, kind);
    });
    this.#deps.logger.info({ agent_id: req.worker_id, kind }, 'agent registered');
    this.#afterCommit();
    void this.#drain();
    return { status: 'ok' };
  }

  /** `figaro.heartbeat.{type}.{id}`: keeps the agent alive and reconciles its tasks. */
  async heartbeat(beat: z.output<typeof Heartbeat>): Promise<void> {
    const reported = beat.current_task_ids ?? (beat.current_task_id ? [beat.current_task_id] : []);
    const known = await this.#deps.store.tx(async (repos) => {
      const alive = await repos.agents.heartbeat(beat.client_id, beat.status);
      if (!alive) return false;
      await this.#reconcile(
        repos,
        beat.client_type,
        beat.client_id,
        reported,
        this.#deps.config.acceptTimeoutMs,
      );
      await repos.agents.markIdleIfFree(beat.client_id, beat.client_type);
      return true;
    });
    if (!known) {
      this.#deps.logger.debug({ agent_id: beat.client_id }, 'heartbeat from an unregistered agent ignored');
      return;
    }
    this.#afterCommit();
    if (beat.status === 'idle' || beat.client_type === 'supervisor') void this.#drain();
  }

  /** `figaro.deregister.{type}.{id}`. */
  async deregister(agentId: string, subject: string): Promise<void> {
    const lost = await this.#deps.store.tx(async (repos) => {
      const agent = await repos.agents.get(agentId);
      if (!agent || !subject.endsWith(`.${agent.kind}.${agentId}`)) return false;
      await this.loseAgent(repos, agentId, 'deregistered');
      return true;
    });
    if (lost) {
      this.#afterCommit();
      void this.#drain();
    }
  }

  /** Loses every agent whose heartbeat deadline has passed; called by the sweeper on every replica. */
  async sweepLost(): Promise<number> {
    const count = await this.#deps.store.tx(async (repos) => {
      const lost = await repos.agents.lost(
        this.#deps.config.heartbeatTimeoutMs,
        this.#startedAt,
        this.#deps.clock.now(),
      );
      for (const agent of lost) await this.loseAgent(repos, agent.id, 'heartbeat timeout');
      return lost.length;
    });
    if (count > 0) {
      this.#afterCommit();
      void this.#drain();
    }
    return count;
  }

  /**
   * Inside a transaction: fails the agent's in-flight tasks with `worker lost` (cancelling what a
   * lost supervisor delegated), runs the agent-lost hooks, then removes the agent or reverts it to
   * its desktop-only entry.
   */
  async loseAgent(repos: StoreRepos, agentId: string, reason: string): Promise<void> {
    const agent = await repos.agents.get(agentId);
    if (!agent) return;
    const held = await repos.tasks.heldBy(agent.kind, agentId, { lock: true });
    for (const task of held) {
      await this.#lifecycle.finish(repos, task, {
        status: 'failed',
        error: 'worker lost',
        by: 'orchestrator',
      });
    }
    for (const hook of this.#onAgentLost) await hook(repos, agentId);
    const desktop = await repos.desktops.get(agent.desktop_id ?? agentId);
    if (desktop) await repos.agents.disconnect(agentId, reason);
    else await repos.agents.remove(agentId, reason);
    await this.#broadcastFleet(repos, agent.kind);
    this.#deps.logger.warn({ agent_id: agentId, reason, failed_tasks: held.length }, 'agent lost');
  }

  /**
   * Tasks the store gives the agent but the agent does not report fail with `worker restarted`
   * (only those assigned longer than `graceMs` ago, as a heartbeat may cross an assignment); tasks it
   * reports that the store does not give it get `.stop`; stopped tasks it no longer reports stop
   * occupying it.
   */
  async #reconcile(repos: StoreRepos, kind: AgentKind, agentId: string, reported: string[], graceMs: number) {
    const held = await repos.tasks.heldBy(kind, agentId, { lock: true });
    const now = this.#deps.clock.now().getTime();
    const cutoff = now - graceMs;
    for (const task of held)
      if (reported.includes(task.id)) this.#disagreeSince.delete(`${task.id}:${task.attempt}`);
    for (const task of held) {
      if (reported.includes(task.id)) continue;
      if (graceMs > 0 && (task.assigned_at === null || Date.parse(task.assigned_at) > cutoff)) continue;
      // The agent may have just finished it, its final event still on the way: fail it only when the
      // disagreement outlasts the grace (seen again by a later heartbeat or registration).
      const key = `${task.id}:${task.attempt}`;
      const since = this.#disagreeSince.get(key);
      if (graceMs > 0 && (since === undefined || now - since < graceMs)) {
        if (since === undefined) {
          if (this.#disagreeSince.size > 10_000) this.#disagreeSince.clear(); // bounded; only delays a failure
          this.#disagreeSince.set(key, now);
        }
        continue;
      }
      this.#disagreeSince.delete(key);
      await this.#lifecycle.finish(repos, task, {
        status: 'failed',
        error: 'worker restarted',
        by: 'orchestrator',
      });
    }
    const heldIds = new Set(held.map((t) => t.id));
    const stop = stopEvent(kind, agentId);
    for (const taskId of reported) {
      if (heldIds.has(taskId)) continue;
      const task = await repos.tasks.get(taskId);
      await addToOutbox(repos, stop, { task_id: taskId, attempt: task?.attempt ?? 0 });
    }
    await repos.tasks.releaseUnreported(kind, agentId, reported);
  }

  async #broadcastFleet(repos: StoreRepos, kind: AgentKind): Promise<void> {
    if (kind === 'worker') await addToOutbox(repos, Broadcasts.workers, await workersView(repos));
    else await addToOutbox(repos, Broadcasts.supervisors, await supervisorsView(repos));
  }
}
