import { randomBytes, randomUUID } from 'node:crypto';
import { silentLogger } from '@figaro/protocol';
import { freePort, testDatabaseUrl, uniqueToken } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  appliedMigrations,
  type Db,
  loadMigrations,
  migrate,
  openPostgresDb,
  openStore,
  SecretBox,
  type Store,
  UnavailableError,
} from '../src/index.js';
import { describeStoreContract } from './store-contract.js';

/** The cluster's `postgres` database, used only to create and drop this file's databases. */
let admin: Db;
const databases: string[] = [];
let store: Store;
const secrets = new SecretBox(randomBytes(32));

function urlOf(database: string): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function createDatabase(): Promise<string> {
  const name = uniqueToken('figaro_store_');
  await admin.exec(`CREATE DATABASE "${name}"`);
  databases.push(name);
  return urlOf(name);
}

beforeAll(async () => {
  admin = await openPostgresDb({ url: testDatabaseUrl(), max: 1 });
  store = await openStore({ kind: 'postgres', url: await createDatabase(), logger: silentLogger, secrets });
});

afterAll(async () => {
  await store?.close();
  for (const name of databases) await admin.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin?.close();
});

describeStoreContract({ kind: 'postgres', store: () => store, secrets });

describe('PostgresDb', () => {
  it('runs on PostgreSQL 15 here', async () => {
    const [row] = await store.db.query("SELECT current_setting('server_version_num')::int AS version");
    expect(row?.version).toBeGreaterThanOrEqual(150000);
    expect(row?.version).toBeLessThan(160000);
  });

  it('applies each migration once when several processes migrate at once', async () => {
    const url = await createDatabase();
    const handles = await Promise.all([1, 2, 3].map(() => openPostgresDb({ url, max: 2 })));
    try {
      const results = await Promise.all(handles.map((db) => migrate(db, { logger: silentLogger })));
      const versions = (await loadMigrations()).map((m) => m.version);
      expect(results.flat().sort((a, b) => a - b)).toEqual(versions);
      for (const db of handles) expect((await appliedMigrations(db)).map((m) => m.version)).toEqual(versions);
    } finally {
      await Promise.all(handles.map((db) => db.close()));
    }
  });

  it("lets only one of two concurrent claims fill an agent's last slot", async () => {
    const workerId = `w-${uniqueToken('slot').slice(-8)}`;
    await store.agents.upsert({ kind: 'worker', worker_id: workerId, status: 'idle', max_concurrent: 1 });
    for (const prompt of ['first', 'second']) {
      const id = randomUUID();
      await store.tasks.create({ id, prompt, options: { target: 'worker', worker_id: workerId } });
      await store.queue.enqueue(id, workerId);
    }
    const agent = { id: workerId, kind: 'worker' } as const;
    const deadline = new Date(Date.now() + 60_000);
    const lockWaiters = async () =>
      (
        await store.db.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
      )[0]?.n;
    expect(await lockWaiters()).toBe(0);

    let commitA = (): void => undefined;
    const aMayCommit = new Promise<void>((resolve) => {
      commitA = resolve;
    });
    let aClaimed = (_: unknown): void => undefined;
    const aHasClaimed = new Promise((resolve) => {
      aClaimed = resolve;
    });
    // A claims and holds its transaction open; B's claim then waits for A's lock on the agent row.
    const a = store.tx(async (repos) => {
      const claimed = await repos.queue.claim(agent, deadline);
      aClaimed(claimed);
      await aMayCommit;
      return claimed;
    });
    expect(await aHasClaimed).not.toBeNull();
    const b = store.tx((repos) => repos.queue.claim(agent, deadline));
    await vi.waitFor(async () => expect(await lockWaiters()).toBe(1), { timeout: 10_000, interval: 20 });
    commitA();

    expect((await a)?.task.prompt).toBe('first');
    expect(await b).toBeNull();
  });

  it('reports an unreachable server as UnavailableError', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    await expect(openPostgresDb({ url })).rejects.toBeInstanceOf(UnavailableError);
  });
});
