import { randomUUID } from 'node:crypto';
import {
  type Bus,
  MemoryBus,
  NatsBus,
  type ReceivableEvent,
  type Schema,
  type SchemaOutput,
  subscribeEvent,
} from '@figaro/bus';
import { type Clock, type Logger, systemClock } from '@figaro/protocol';
import { type LogEntry, recordingLogger as record } from '@figaro/protocol/testing';
import {
  generateEncryptionKey,
  openPostgresDb,
  openStore,
  parseEncryptionKey,
  SecretBox,
  type Store,
} from '@figaro/store';
import { startNatsServer, tempDir, testDatabaseUrl, uniqueToken } from '@figaro/testkit';
import { defaultOrchestratorConfig } from '../src/config.js';
import type { OrchestratorDeps } from '../src/deps.js';
import { OutboxRelay } from '../src/outbox/outbox-relay.js';

/** A log line as the recording logger keeps it. */
type LogLine = LogEntry;

/** A logger that keeps every line (children included), to assert what is and is not logged. */
function recordingLogger(): Logger & { lines: LogLine[] } {
  const { logger, entries } = record();
  return Object.assign(logger, { lines: entries });
}

/** A bus and a fresh, migrated store of one kind. */
interface Opened {
  bus: Bus;
  store: Store;
  close(): Promise<void>;
}

/** One pairing of bus and store the services are tested on. */
export interface Backend {
  name: string;
  open(logger: Logger): Promise<Opened>;
}

/** A sealing key per run, as `figaro up` would generate one. */
function newSecretBox(): SecretBox {
  return new SecretBox(parseEncryptionKey(generateEncryptionKey()));
}

const memoryPglite: Backend = {
  name: 'MemoryBus + PGlite',
  async open(logger) {
    const folder = await tempDir('figaro-orch-');
    const store = await openStore({ kind: 'pglite', dataDir: folder.path, logger, secrets: newSecretBox() });
    const bus = new MemoryBus({ logger });
    return {
      bus,
      store,
      async close() {
        await bus.close();
        await store.close();
        await folder.remove();
      },
    };
  },
};

/**
 * A private nats-server per file (the services use the catalogue's fixed `figaro.*` subjects, which
 * other files' orchestrators on a shared server would answer too) and a fresh database on the run's
 * PostgreSQL cluster.
 */
const natsPostgres: Backend = {
  name: 'NatsBus + PostgreSQL',
  async open(logger) {
    const nats = await startNatsServer();
    const admin = await openPostgresDb({ url: testDatabaseUrl(), max: 1 });
    const database = uniqueToken('figaro_orch_');
    await admin.exec(`CREATE DATABASE "${database}"`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${database}`;
    const store = await openStore({ kind: 'postgres', url: url.toString(), logger, secrets: newSecretBox() });
    const bus = await NatsBus.connect({ servers: nats.url, name: 'orchestrator-test', logger });
    return {
      bus,
      store,
      async close() {
        await bus.close();
        await store.close();
        await admin.exec(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await admin.close();
        await nats.stop();
      },
    };
  },
};

/** Every backend the service tests run on. */
export const BACKENDS: readonly Backend[] = [memoryPglite, natsPostgres];

/** Deps over a real bus and store, with a running outbox relay. */
export interface Harness {
  bus: Bus;
  store: Store;
  logger: Logger & { lines: LogLine[] };
  relay: OutboxRelay;
  /** Kicks the relay: what services call after a commit that wrote to the outbox. */
  afterCommit: () => void;
  /** Deps for a service; `clock` defaults to the system clock. */
  deps(clock?: Clock): OrchestratorDeps;
  close(): Promise<void>;
}

export async function openHarness(backend: Backend): Promise<Harness> {
  const logger = recordingLogger();
  const { bus, store, close } = await backend.open(logger);
  const relay = new OutboxRelay({ bus, store, logger, intervalMs: 1_000 });
  relay.start();
  return {
    bus,
    store,
    logger,
    relay,
    afterCommit: () => void relay.kick(),
    deps: (clock = systemClock) => ({
      bus,
      store,
      clock,
      logger,
      newId: randomUUID,
      config: defaultOrchestratorConfig,
    }),
    async close() {
      await relay.stop();
      await close();
    },
  };
}

/**
 * A clock a day ahead of real time whose timers never fire: only sweeps can end a deadline, and
 * every stored deadline looks overdue to it.
 */
export function dayAheadClock(): Clock {
  return {
    now: () => new Date(Date.now() + 86_400_000),
    setTimeout: () => ({ cancel() {} }),
  };
}

/** Messages received on one event, with a way to await the first that matches. */
export interface Inbox<T> {
  readonly items: T[];
  /** The first item (received before or after the call) that matches; rejects after `ms`. */
  next(match?: (item: T) => boolean, ms?: number): Promise<T>;
  close(): Promise<void>;
}

/** Subscribes (and awaits the subscription) before the caller acts, so nothing is missed. */
export async function listen<S extends Schema>(
  bus: Bus,
  entry: ReceivableEvent<S>,
): Promise<Inbox<SchemaOutput<S>>> {
  const items: Array<SchemaOutput<S>> = [];
  let waiters: Array<() => void> = [];
  const subscription = await subscribeEvent(bus, entry, async (payload) => {
    items.push(payload);
    const current = waiters;
    waiters = [];
    for (const check of current) check();
  });
  return {
    items,
    next(match = () => true, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching ${entry.pattern} in ${ms} ms`)), ms);
        const check = () => {
          const found = items.find(match);
          if (found === undefined) {
            waiters.push(check);
            return;
          }
          clearTimeout(timer);
          resolve(found);
        };
        check();
      });
    },
    close: () => subscription.unsubscribe(),
  };
}
