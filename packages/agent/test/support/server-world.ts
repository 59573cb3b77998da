import { join } from 'node:path';
import { MemoryBroker, MemoryBus } from '@figaro/bus';
import {
  type OrchestratorConfig,
  type OrchestratorServer,
  startOrchestratorServer,
} from '@figaro/orchestrator';
import { Api, type ReplyOf, silentLogger } from '@figaro/protocol';
import { openStore, type SecretBox, type Store } from '@figaro/store';
import { tempDir } from '@figaro/testkit';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AgentRuntime, type AgentRuntimeOptions, type TaskExecutor } from '../../src/index.js';

/** Options of `useServerWorld`. */
export interface ServerWorldOptions {
  /** The PGlite data folder inside the world's temp folder; default the temp folder itself. */
  storeDir?: string;
  /** Encrypts the store's secrets (desktop credentials). */
  secrets?: SecretBox;
  /** Orchestrator config; default fast sweeps and outbox (200 ms) and a 1 s accept timeout. */
  config?: Partial<OrchestratorConfig>;
}

/** A real orchestrator on PGlite and a MemoryBroker, with the agents' own bus connection. */
export interface ServerWorld {
  readonly dir: { path: string; remove(): Promise<void> };
  readonly store: Store;
  readonly orchestratorBus: MemoryBus;
  readonly agentBus: MemoryBus;
  readonly server: OrchestratorServer;
  /** Starts an AgentRuntime on the agent bus (heartbeat 500 ms), stopped after the test. */
  startAgent(
    id: string,
    kind: AgentRuntimeOptions['kind'],
    execute: TaskExecutor,
    extra?: Partial<AgentRuntimeOptions>,
  ): Promise<AgentRuntime>;
  /** Creates a task for a worker. */
  createTask(prompt: string, options?: Record<string, unknown>): Promise<ReplyOf<typeof Api.tasksCreate>>;
}

const fastConfig: Partial<OrchestratorConfig> = {
  sweepIntervalMs: 200,
  outboxIntervalMs: 200,
  acceptTimeoutMs: 1_000,
};

/**
 * Registers the hooks of a describe block's world: a temp folder, a PGlite store, a MemoryBroker with
 * one MemoryBus connection for the orchestrator and one for the agents, and the orchestrator server
 * (started before all tests, torn down after them); agents started with `startAgent` stop after each
 * test. The returned getters read the world once `beforeAll` has run.
 */
export function useServerWorld(options: ServerWorldOptions = {}): ServerWorld {
  let dir: ServerWorld['dir'] | undefined;
  let store: Store | undefined;
  let orchestratorBus: MemoryBus | undefined;
  let agentBus: MemoryBus | undefined;
  let server: OrchestratorServer | undefined;
  const runtimes: AgentRuntime[] = [];

  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`server world: ${name} is read before beforeAll ran`);
    return value;
  };

  beforeAll(async () => {
    dir = await tempDir();
    store = await openStore({
      kind: 'pglite',
      dataDir: options.storeDir === undefined ? dir.path : join(dir.path, options.storeDir),
      logger: silentLogger,
      ...(options.secrets ? { secrets: options.secrets } : {}),
    });
    const broker = new MemoryBroker();
    orchestratorBus = new MemoryBus({ broker });
    agentBus = new MemoryBus({ broker });
    server = await startOrchestratorServer({
      bus: orchestratorBus,
      store,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      config: options.config ?? fastConfig,
    });
  });
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.stop();
  });
  afterAll(async () => {
    await server?.stop();
    await agentBus?.close();
    await orchestratorBus?.close();
    await store?.close();
    await dir?.remove();
  });

  const world: ServerWorld = {
    get dir() {
      return ready(dir, 'dir');
    },
    get store() {
      return ready(store, 'store');
    },
    get orchestratorBus() {
      return ready(orchestratorBus, 'orchestratorBus');
    },
    get agentBus() {
      return ready(agentBus, 'agentBus');
    },
    get server() {
      return ready(server, 'server');
    },
    async startAgent(id, kind, execute, extra = {}) {
      const runtime = new AgentRuntime({
        bus: world.agentBus,
        id,
        kind,
        execute,
        logger: silentLogger,
        heartbeatMs: 500,
        ...extra,
      });
      runtimes.push(runtime);
      await runtime.start();
      return runtime;
    },
    createTask(prompt, options = {}) {
      return world.agentBus.request(Api.tasksCreate, { prompt, options: { target: 'worker', ...options } });
    },
  };
  return world;
}
