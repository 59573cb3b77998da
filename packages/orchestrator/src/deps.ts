import type { Bus } from '@figaro/bus';
import type { Clock, Logger } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import type { OrchestratorConfig } from './config.js';

/** What every orchestrator component is built from; tests inject their own. */
export interface OrchestratorDeps {
  bus: Bus;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** New task ids (uuid v4 by default). */
  newId: () => string;
  config: OrchestratorConfig;
}
