import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@figaro/bus';
import { type Clock, type Logger, systemClock } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { serveApiOnBus } from './api/bus-server.js';
import type { ApiHandlers } from './api/handlers.js';
import { ApiRouter } from './api/router.js';
import { fleetHandlers, taskHandlers } from './api/task-handlers.js';
import { defaultOrchestratorConfig, type OrchestratorConfig } from './config.js';
import type { OrchestratorDeps } from './deps.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { EventIngestor } from './events/event-ingestor.js';
import type { ModuleContext, ModuleFactory, OrchestratorModule } from './module.js';
import { OutboxRelay } from './outbox/outbox-relay.js';
import { Registry } from './registry/registry.js';
import { Sweeper } from './sweeper.js';
import { TaskLifecycle } from './tasks/task-lifecycle.js';
import { TaskService } from './tasks/task-service.js';

/** What an orchestrator is built from; everything but bus, store and logger has a default. */
export interface OrchestratorOptions {
  bus: Bus;
  store: Store;
  logger: Logger;
  clock?: Clock;
  newId?: () => string;
  config?: Partial<OrchestratorConfig>;
  /** Features built with the orchestrator's shared parts; started in order, stopped in reverse. */
  modules?: readonly ModuleFactory[];
}

/**
 * One orchestrator replica: it answers the API on the bus (queue group `orchestrator`), keeps the
 * registry, dispatches the queue, ingests task events and sweeps deadlines. Several replicas may run
 * against one PostgreSQL and NATS; all state that matters is in the store.
 */
export class Orchestrator {
  readonly deps: OrchestratorDeps;
  readonly relay: OutboxRelay;
  /** The one owner of task state (transitions, their outbox follow-ups and broadcasts). */
  readonly lifecycle: TaskLifecycle;
  readonly dispatcher: Dispatcher;
  readonly tasks: TaskService;
  readonly registry: Registry;
  readonly events: EventIngestor;
  readonly sweeper: Sweeper;
  readonly handlers: ApiHandlers;
  readonly modules: readonly OrchestratorModule[];
  /** The one way into `handlers`, shared by the bus, REST and the WebSocket hub. */
  readonly router: ApiRouter;
  #subscriptions: Subscription[] = [];
  #startedModules: OrchestratorModule[] = [];

  constructor(options: OrchestratorOptions) {
    this.deps = {
      bus: options.bus,
      store: options.store,
      logger: options.logger,
      clock: options.clock ?? systemClock,
      newId: options.newId ?? randomUUID,
      config: { ...defaultOrchestratorConfig, ...options.config },
    };
    this.relay = new OutboxRelay({
      bus: this.deps.bus,
      store: this.deps.store,
      logger: this.deps.logger.child({ component: 'outbox' }),
      intervalMs: this.deps.config.outboxIntervalMs,
    });
    const afterCommit = () => void this.relay.kick();
    this.lifecycle = new TaskLifecycle(this.deps);
    this.dispatcher = new Dispatcher(this.deps, this.lifecycle, afterCommit);
    const drain = () => this.dispatcher.drain();
    const context: ModuleContext = { deps: this.deps, lifecycle: this.lifecycle, afterCommit, drain };
    this.modules = (options.modules ?? []).map((build) => build(context));
    this.tasks = new TaskService(this.deps, this.lifecycle, { afterCommit, drain });
    this.registry = new Registry(this.deps, this.lifecycle, {
      afterCommit,
      drain,
      onAgentLost: this.modules.flatMap((module) => (module.onAgentLost ? [module.onAgentLost] : [])),
    });
    this.events = new EventIngestor(this.deps, this.lifecycle, { afterCommit, drain });
    this.sweeper = new Sweeper(
      this.deps,
      { registry: this.registry, dispatcher: this.dispatcher, lifecycle: this.lifecycle },
      this.modules.flatMap((module) => module.sweepSteps ?? []),
    );
    this.handlers = mergeHandlers(this.modules, {
      ...taskHandlers(this.tasks),
      ...fleetHandlers(this.deps.store),
      registerWorker: (req) => this.registry.register('worker', req),
      registerSupervisor: (req) => this.registry.register('supervisor', req),
    });
    this.router = new ApiRouter(this.handlers, { logger: this.deps.logger.child({ component: 'api' }) });
  }

  /** Subscribes everything, sweeps once (restoring deadlines after a restart), then runs. */
  async start(): Promise<void> {
    this.relay.start();
    await this.registry.start();
    await this.events.start();
    for (const module of this.modules) {
      await module.start?.();
      this.#startedModules.push(module);
    }
    this.#subscriptions = await serveApiOnBus(
      this.deps.bus,
      this.router,
      this.deps.logger.child({ component: 'api' }),
    );
    await this.sweeper.sweep();
    this.sweeper.start();
    this.deps.logger.info({ endpoints: Object.keys(this.handlers).length }, 'orchestrator started');
  }

  /** Stops taking work and waits for what is in flight; the bus and store stay open (the caller owns them). */
  async stop(): Promise<void> {
    await this.sweeper.stop();
    for (const sub of this.#subscriptions.splice(0)) await sub.unsubscribe().catch(() => {});
    for (const module of this.#startedModules.splice(0).reverse()) {
      await module.stop?.().catch((err: unknown) => {
        this.deps.logger.error(
          { module: module.name, err: err instanceof Error ? err.message : String(err) },
          'module stop failed',
        );
      });
    }
    await this.registry.stop().catch(() => {});
    await this.events.stop();
    await this.dispatcher.stop();
    await this.relay.kick();
    await this.relay.stop();
  }
}

/** The core's handlers plus every module's; an endpoint answered twice is a wiring bug. */
function mergeHandlers(modules: readonly OrchestratorModule[], core: ApiHandlers): ApiHandlers {
  const merged: ApiHandlers = { ...core };
  for (const module of modules) {
    for (const name of Object.keys(module.handlers ?? {})) {
      if (name in merged) throw new Error(`module ${module.name}: ${name} is already answered`);
    }
    Object.assign(merged, module.handlers);
  }
  return merged;
}
