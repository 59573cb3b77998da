import { type Logger, silentLogger } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { bootstrapCredentials, type OrchestratorServer, startOrchestratorServer } from '../../src/index.js';
import { type Backend, type Resources, testConfig } from './harness.js';

/** A whole orchestrator server on one backend, with its first credentials: for tests over HTTP. */
export interface ServerFixture {
  resources: Resources;
  store: Store;
  server: OrchestratorServer;
  /** Stops the server and releases the store, the buses and the backend. */
  close(): Promise<void>;
}

/** How a fixture is set up; every field has a default. */
export interface ServerFixtureOptions {
  /** First credentials; none are created when absent. */
  credentials?: { apiToken?: string; adminPassword?: string };
  logger?: Logger;
  /** Whether the fixture runs the backend's `beforeAll`/`afterAll` (default true); false when the suite does. */
  ownsBackend?: boolean;
}

/** Starts a whole server on `backend` with fresh resources and store. */
export async function startServerFixture(
  backend: Backend,
  options: ServerFixtureOptions = {},
): Promise<ServerFixture> {
  const logger = options.logger ?? silentLogger;
  const ownsBackend = options.ownsBackend ?? true;
  if (ownsBackend) await backend.beforeAll();
  const resources = await backend.resources();
  const store = await resources.makeStore();
  if (options.credentials) await bootstrapCredentials(store, { ...options.credentials, logger });
  const server = await startOrchestratorServer({
    bus: resources.orchestratorBus,
    store,
    logger,
    host: '127.0.0.1',
    port: 0,
    config: testConfig,
  });
  return {
    resources,
    store,
    server,
    async close() {
      await server.stop();
      await store.close();
      await resources.cleanup();
      if (ownsBackend) await backend.afterAll();
    },
  };
}
