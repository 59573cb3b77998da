import { silentLogger } from '@figaro/protocol';
import { openStore } from '@figaro/store';
import { freePort, tempDir, testDatabaseUrl, testNatsUrl, uniqueToken } from '@figaro/testkit';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

const running: FigaroProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function up(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ proc: FigaroProcess; url: string }> {
  const proc = startFigaro(['up', ...args], env);
  running.push(proc);
  const started = Date.now();
  const url = await proc.ready;
  const health = await fetch(`${url}/api/health`);
  expect(health.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(10_000);
  return { proc, url };
}

describe('figaro up', () => {
  it('serves /api/health on embedded defaults and exits 0 on SIGINT within 5 s', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const port = await freePort();
    const { proc, url } = await up(['--port', String(port), '--data-dir', dir.path]);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${url}/api/health`)).json()).toEqual({
      status: 'ok',
      bus: 'memory',
      store: 'pglite',
    });
    const stopped = await interrupt(proc);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
  });

  it('keeps what the store held when restarted on the same data folder', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await up(['--port', '0', '--data-dir', dir.path]);
    expect((await interrupt(first.proc)).code).toBe(0);

    // Write through the store while Figaro is down, exactly as Figaro would.
    const taskId = crypto.randomUUID();
    const storeOptions = { kind: 'pglite' as const, dataDir: `${dir.path}/pglite`, logger: silentLogger };
    let store = await openStore(storeOptions);
    const migrationsBefore = await store.db.query('SELECT version FROM schema_migrations ORDER BY version');
    await store.tasks.create({ id: taskId, prompt: 'survive a restart', options: { target: 'auto' } });
    await store.close();

    const second = await up(['--port', '0', '--data-dir', dir.path]);
    expect((await interrupt(second.proc)).code).toBe(0);

    store = await openStore(storeOptions);
    try {
      expect((await store.tasks.get(taskId))?.prompt).toBe('survive a restart');
      expect(await store.db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(
        migrationsBefore,
      );
    } finally {
      await store.close();
    }
  });

  it('uses NATS and PostgreSQL when FIGARO_NATS_URL and FIGARO_DATABASE_URL are set', async () => {
    const database = uniqueToken('figaro_cli_');
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });
    // Trust auth ignores the password; it is there to prove it is never printed.
    const databaseUrl = testDatabaseUrl()
      .replace('postgres://postgres@', 'postgres://postgres:sekrit@')
      .replace(/\/postgres$/, `/${database}`);
    const { proc, url } = await up(['--port', '0'], {
      FIGARO_NATS_URL: testNatsUrl(),
      FIGARO_DATABASE_URL: databaseUrl,
      FIGARO_DATA_DIR: (await tempDir()).path,
    });
    expect(await (await fetch(`${url}/api/health`)).json()).toEqual({
      status: 'ok',
      bus: 'nats',
      store: 'postgres',
    });
    expect(proc.stdout()).toContain('PostgreSQL at postgres://postgres:***@');
    expect(proc.stdout() + proc.stderr()).not.toContain('sekrit');
    expect((await interrupt(proc)).code).toBe(0);
  });

  it('exits 2 and lists every configuration problem at once', async () => {
    const proc = startFigaro(['up', '--port', 'eighty'], {
      FIGARO_DATABASE_URL: 'mysql://root:hunter2@db/x',
      FIGARO_LOG_LEVEL: 'loud',
    });
    running.push(proc);
    expect(await proc.exited).toBe(2);
    const err = proc.stderr();
    expect(err).toContain('--port');
    expect(err).toContain('FIGARO_DATABASE_URL');
    expect(err).toContain('FIGARO_LOG_LEVEL');
    expect(err).not.toContain('hunter2');
  });

  it('exits 2 on an unknown command or flag', async () => {
    const unknown = startFigaro(['fly']);
    running.push(unknown);
    expect(await unknown.exited).toBe(2);
    const badFlag = startFigaro(['up', '--colour', 'blue']);
    running.push(badFlag);
    expect(await badFlag.exited).toBe(2);
    expect(badFlag.stderr()).toContain('--colour');
  });

  it('says clearly when the port is taken', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await up(['--port', '0', '--data-dir', dir.path]);
    const port = new URL(first.url).port;
    const other = await tempDir();
    cleanups.push(other.remove);
    const second = startFigaro(['up', '--port', port, '--data-dir', other.path]);
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/port \d+ .*in use/);
  });
});
