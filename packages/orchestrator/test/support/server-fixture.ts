import { silentLogger } from '@figaro/protocol';
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

/** Starts a server on `backend` (its `beforeAll` included) with an API token and, if given, an admin password. */
export async function startServerFixture(
  backend: Backend,
  credentials: { apiToken: string; adminPassword?: string },
): Promise<ServerFixture> {
  await backend.beforeAll();
  const resources = await backend.resources();
  const store = await resources.makeStore();
  await bootstrapCredentials(store, { ...credentials, logger: silentLogger });
  const server = await startOrchestratorServer({
    bus: resources.orchestratorBus,
    store,
    logger: silentLogger,
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
      await backend.afterAll();
    },
  };
}
