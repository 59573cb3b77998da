import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { type Bus, defaultStreams, MemoryBroker, MemoryBus, NatsBus } from '@figaro/bus';
import { deleteNatsStreams } from '@figaro/bus/testing';
import { silentLogger } from '@figaro/protocol';
import { generateEncryptionKey, openStore, parseEncryptionKey, SecretBox, type Store } from '@figaro/store';
import {
  type NatsServerHandle,
  startNatsServer,
  tempDir,
  testDatabaseUrl,
  uniqueToken,
} from '@figaro/testkit';
import pg from 'pg';
import type { OrchestratorConfig } from '../../src/index.js';
import { Orchestrator } from '../../src/index.js';
import { FakeAgent, type FakeAgentOptions } from '../../src/testing.js';

/** One sealing key for the test run: desktop passwords are stored encrypted as in production. */
const secrets = new SecretBox(parseEncryptionKey(generateEncryptionKey()));

/** Fast timings so that timeouts and sweeps happen within a test. */
export const testConfig: Partial<OrchestratorConfig> = {
  heartbeatTimeoutMs: 1_500,
  acceptTimeoutMs: 600,
  stopGraceMs: 1_000,
  sweepIntervalMs: 200,
  outboxIntervalMs: 200,
  eventAckWaitMs: 1_000,
};

/** One test's world: an orchestrator, a bus for agents, and the store behind it. */
export interface World {
  orchestrator: Orchestrator;
  /** The bus the agents use (another connection than the orchestrator's). */
  agentBus: Bus;
  store: Store;
  agent(options: Omit<FakeAgentOptions, 'bus'>): Promise<FakeAgent>;
  /** Stops the orchestrator, closes and reopens the store, starts a new orchestrator on it. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The two ways to run: embedded (MemoryBus + PGlite) and fleet (NATS + PostgreSQL). */
export interface Backend {
  name: string;
  beforeAll(): Promise<void>;
  afterAll(): Promise<void>;
  world(config?: Partial<OrchestratorConfig>): Promise<World>;
  /** The raw parts of a world, for tests that assemble something else (e.g. the whole server). */
  resources(): Promise<Resources>;
}

/** A store factory (reopenable on the same data), two bus connections, and their cleanup. */
export interface Resources {
  makeStore(): Promise<Store>;
  orchestratorBus: Bus;
  agentBus: Bus;
  cleanup(): Promise<void>;
}

async function buildWorld(
  makeStore: () => Promise<Store>,
  orchestratorBus: Bus,
  agentBus: Bus,
  config: Partial<OrchestratorConfig>,
  cleanup: () => Promise<void>,
): Promise<World> {
  let store = await makeStore();
  const start = async () => {
    const orchestrator = new Orchestrator({
      bus: orchestratorBus,
      store,
      logger: silentLogger,
      config: { ...testConfig, ...config },
    });
    await orchestrator.start();
    return orchestrator;
  };
  const agents: FakeAgent[] = [];
  const world: World = {
    orchestrator: await start(),
    agentBus,
    get store() {
      return store;
    },
    async agent(options) {
      const agent = new FakeAgent({ bus: agentBus, ...options });
      agents.push(agent);
      await agent.start();
      // Heartbeats well inside the test heartbeat timeout; a test that wants silence calls stop().
      agent.startHeartbeats(300);
      return agent;
    },
    async restart() {
      await world.orchestrator.stop();
      await store.close();
      store = await makeStore();
      world.orchestrator = await start();
    },
    async close() {
      for (const agent of agents) await agent.stop();
      await world.orchestrator.stop();
      await store.close();
      await cleanup();
    },
  };
  return world;
}

/** MemoryBus + PGlite, each test on a copy of a migrated template folder (copying is much faster than migrating). */
export function embeddedBackend(): Backend {
  let template: { path: string; remove(): Promise<void> } | undefined;
  return {
    name: 'MemoryBus + PGlite',
    async beforeAll() {
      template = await tempDir('figaro-pglite-template-');
      const store = await openStore({
        kind: 'pglite',
        dataDir: join(template.path, 'db'),
        logger: silentLogger,
      });
      await store.close();
    },
    async afterAll() {
      await template?.remove();
    },
    async resources() {
      if (!template) throw new Error('beforeAll did not run');
      const dir = await tempDir('figaro-pglite-');
      await cp(join(template.path, 'db'), join(dir.path, 'db'), { recursive: true });
      const broker = new MemoryBroker();
      const orchestratorBus = new MemoryBus({ broker });
      const agentBus = new MemoryBus({ broker });
      return {
        makeStore: () =>
          openStore({ kind: 'pglite', dataDir: join(dir.path, 'db'), logger: silentLogger, secrets }),
        orchestratorBus,
        agentBus,
        async cleanup() {
          await agentBus.close();
          await orchestratorBus.close();
          await dir.remove();
        },
      };
    },
    async world(config = {}) {
      const r = await this.resources();
      return buildWorld(r.makeStore, r.orchestratorBus, r.agentBus, config, r.cleanup);
    },
  };
}

/** NatsBus + PostgreSQL: a private nats-server per file (the real `figaro.*` subjects are used), a database per test. */
export function fleetBackend(): Backend {
  let nats: NatsServerHandle | undefined;
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  return {
    name: 'NatsBus + PostgreSQL',
    async beforeAll() {
      nats = await startNatsServer();
      await admin.connect();
    },
    async afterAll() {
      await admin.end();
      await nats?.stop();
    },
    async resources() {
      if (!nats) throw new Error('beforeAll did not run');
      const url = nats.url;
      const database = uniqueToken('orch_');
      await admin.query(`CREATE DATABASE ${database}`);
      const databaseUrl = testDatabaseUrl().replace(/\/postgres$/, `/${database}`);
      const orchestratorBus = await NatsBus.connect({ servers: url, name: 'orchestrator' });
      const agentBus = await NatsBus.connect({ servers: url, name: 'agents' });
      return {
        makeStore: () => openStore({ kind: 'postgres', url: databaseUrl, logger: silentLogger, secrets }),
        orchestratorBus,
        agentBus,
        async cleanup() {
          await agentBus.close();
          await orchestratorBus.close();
          await deleteNatsStreams(url, defaultStreams());
          await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        },
      };
    },
    async world(config = {}) {
      const r = await this.resources();
      return buildWorld(r.makeStore, r.orchestratorBus, r.agentBus, config, r.cleanup);
    },
  };
}

/** Polls `read` until `accept` holds, failing after `timeoutMs` with the last value seen. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await read();
  }
  return last;
}
