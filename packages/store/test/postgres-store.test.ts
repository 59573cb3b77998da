import { randomBytes } from 'node:crypto';
import { silentLogger } from '@figaro/protocol';
import { freePort, testDatabaseUrl, uniqueToken } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('reports an unreachable server as UnavailableError', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    await expect(openPostgresDb({ url })).rejects.toBeInstanceOf(UnavailableError);
  });
});
