import { randomUUID } from 'node:crypto';
import type { Bus, Subscription } from '@figaro/bus';
import { type Clock, type Logger, systemClock } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { serveApiOnBus } from './api/bus-server.js';
import type { ApiHandlers } from './api/handlers.js';
import { fleetHandlers, taskHandlers } from './api/task-handlers.js';
import { defaultOrchestratorConfig, type OrchestratorConfig } from './config.js';
import type { OrchestratorDeps } from './deps.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { EventIngestor } from './events/event-ingestor.js';
import { OutboxRelay } from './outbox/outbox-relay.js';
import { Registry } from './registry/registry.js';
import { Sweeper } from './sweeper.js';
import { TaskService } from './tasks/task-service.js';

/** What an orchestrator is built from; everything but bus, store and logger has a default. */
export interface OrchestratorOptions {
  bus: Bus;
  store: Store;
  logger: Logger;
  clock?: Clock;
  newId?: () => string;
  config?: Partial<OrchestratorConfig>;
}

/**
 * One orchestrator replica: it answers the API on the bus (queue group `orchestrator`), keeps the
 * registry, dispatches the queue, ingests task events and sweeps deadlines. Several replicas may run
 * against one PostgreSQL and NATS; all state that matters is in the store.
 */
export class Orchestrator {
  readonly deps: OrchestratorDeps;
  readonly relay: OutboxRelay;
  readonly dispatcher: Dispatcher;
  readonly tasks: TaskService;
  readonly registry: Registry;
  readonly events: EventIngestor;
  readonly sweeper: Sweeper;
  readonly handlers: ApiHandlers;
  #subscriptions: Subscription[] = [];
  #started = false;

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
    this.dispatcher = new Dispatcher(this.deps, afterCommit);
    const drain = () => this.dispatcher.drain();
    this.tasks = new TaskService(this.deps, { afterCommit, drain });
    this.registry = new Registry(this.deps, this.tasks, { afterCommit, drain });
    this.events = new EventIngestor(this.deps, { afterCommit, drain });
    this.sweeper = new Sweeper(this.deps, this.registry, this.dispatcher);
    this.handlers = { ...taskHandlers(this.tasks), ...fleetHandlers(this.deps.store) };
  }

  /** Adds handlers (help requests, desktops, tokens, …) before `start()`. */
  addHandlers(handlers: ApiHandlers): void {
    if (this.#started) throw new Error('handlers must be added before start()');
    Object.assign(this.handlers, handlers);
  }

  /** Subscribes everything, sweeps once (restoring deadlines after a restart), then runs. */
  async start(): Promise<void> {
    this.#started = true;
    this.relay.start();
    await this.registry.start();
    await this.events.start();
    this.#subscriptions = await serveApiOnBus(
      this.deps.bus,
      this.handlers,
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
    await this.registry.stop().catch(() => {});
    await this.events.stop();
    await this.dispatcher.stop();
    await this.relay.kick();
    await this.relay.stop();
  }
}
