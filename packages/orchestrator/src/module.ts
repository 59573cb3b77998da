import type { ApiHandlers } from './api/handlers.js';
import type { OrchestratorDeps } from './deps.js';
import type { AgentLostHook } from './registry/registry.js';
import type { NamedSweepStep } from './sweeper.js';
import type { TaskLifecycle } from './tasks/task-lifecycle.js';

/** What a feature module is built from: the orchestrator's dependencies and its shared parts. */
export interface ModuleContext {
  readonly deps: OrchestratorDeps;
  /** The one owner of task state: every task change a module makes goes through it. */
  readonly lifecycle: TaskLifecycle;
  /** Kicks the outbox relay; call it after each commit that wrote to the outbox. */
  readonly afterCommit: () => void;
  /** Offers queued tasks to available agents (after a change that may free an agent). */
  readonly drain: () => Promise<void>;
}

/**
 * A feature of the orchestrator (help requests, desktops, tokens, later schedules …), registered when
 * the orchestrator is built instead of patched into it afterwards. Everything is optional.
 */
export interface OrchestratorModule {
  /** For logs. */
  readonly name: string;
  /** API handlers it answers; two modules answering one endpoint is an error at construction. */
  readonly handlers?: ApiHandlers;
  /** Deadline sweeps, run by every replica's sweeper after the core's and before the queue drain. */
  readonly sweepSteps?: readonly NamedSweepStep[];
  /** Runs inside the transaction that loses an agent (deregistered or timed out). */
  readonly onAgentLost?: AgentLostHook;
  /** Runs at `Orchestrator.start()`, after the core is subscribed and before the API is served. */
  start?(): Promise<void>;
  /** Runs at `Orchestrator.stop()`, after the API stopped being served; in reverse order of start. */
  stop?(): Promise<void>;
}

/** Builds a module once the orchestrator's shared parts exist. */
export type ModuleFactory = (context: ModuleContext) => OrchestratorModule;
