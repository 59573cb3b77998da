import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, testDatabaseUrl, uniqueToken } from '@figaro/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/figaro-cli.js';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

let dataDir: { path: string; remove(): Promise<void> };
let dir: string;
const running: FigaroProcess[] = [];

beforeAll(async () => {
  dataDir = await tempDir();
  dir = join(dataDir.path, 'data');
});

afterAll(async () => {
  for (const proc of running) if (proc.child.exitCode === null) await interrupt(proc);
  await dataDir?.remove();
});

async function up(): Promise<{ proc: FigaroProcess; url: string }> {
  const proc = startFigaro(['up', '--port', '0', '--data-dir', dir]);
  running.push(proc);
  return { proc, url: await proc.ready };
}

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

async function login(url: string, password: string): Promise<{ status: number; cookie: string }> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  return { status: response.status, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

async function me(url: string, cookie: string): Promise<number> {
  return (await fetch(`${url}/api/v1/auth/me`, { headers: { Cookie: cookie } })).status;
}

describe('the data folder and its secret files (issue 8, defects 8 and 9)', { timeout: 120_000 }, () => {
  let oldPassword = '';
  let oldCookie = '';

  it('tightens an existing data folder to 0700 and its secret files to 0600 on start', async () => {
    await mkdir(dir, { mode: 0o755 });
    await writeFile(join(dir, 'encryption-key'), `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    await writeFile(join(dir, 'token'), 'a-token-from-an-older-install\n', { mode: 0o644 });
    await writeFile(join(dir, 'admin-password'), 'an-older-password\n', { mode: 0o644 });
    await chmod(dir, 0o755);
    const { proc, url } = await up();
    expect(await mode(dir)).toBe('700');
    for (const file of ['encryption-key', 'token', 'admin-password'])
      expect(await mode(join(dir, file)), file).toBe('600');

    oldPassword = (await readFile(join(dir, 'admin-password'), 'utf8')).trim();
    const session = await login(url, oldPassword);
    expect(session.status).toBe(200);
    oldCookie = session.cookie;
    expect(await me(url, oldCookie)).toBe(200);

    // The embedded database takes one process at a time: no reset while figaro up runs on it.
    const refused = await runCli(['admin', 'reset-password', '--data-dir', dir], {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is using');
    expect((await interrupt(proc)).code).toBe(0);
  });

  it('admin reset-password writes a new password file (0600) and prints its path, not the secret', async () => {
    await chmod(join(dir, 'admin-password'), 0o644);
    const reset = await runCli(['admin', 'reset-password', '--data-dir', dir], {});
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain(join(dir, 'admin-password'));
    const newPassword = (await readFile(join(dir, 'admin-password'), 'utf8')).trim();
    expect(newPassword).not.toBe(oldPassword);
    expect(newPassword.length).toBeGreaterThanOrEqual(16);
    expect(reset.stdout + reset.stderr).not.toContain(newPassword);
    expect(await mode(join(dir, 'admin-password'))).toBe('600');

    const { proc, url } = await up();
    expect(await me(url, oldCookie)).toBe(401);
    expect((await login(url, oldPassword)).status).toBe(401);
    expect((await login(url, newPassword)).status).toBe(200);
    expect((await interrupt(proc)).code).toBe(0);
  });

  it('admin reset-password --password-stdin sets the password read from standard input', async () => {
    const chosen = 'a-password-from-stdin-42';
    const reset = await runCli(
      ['admin', 'reset-password', '--password-stdin'],
      { FIGARO_DATA_DIR: dir },
      {
        input: `${chosen}\n`,
      },
    );
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout + reset.stderr).not.toContain(chosen);
    const { proc, url } = await up();
    expect((await login(url, chosen)).status).toBe(200);
    expect((await interrupt(proc)).code).toBe(0);
  });
});

describe('admin reset-password on PostgreSQL (FIGARO_DATABASE_URL)', { timeout: 120_000 }, () => {
  it('resets the password while the server runs, ending its sessions at once', async () => {
    const database = uniqueToken('figaro_admin_');
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const env = { FIGARO_DATABASE_URL: testDatabaseUrl().replace(/\/postgres$/, `/${database}`) };
      const folder = await tempDir();
      const proc = startFigaro(['up', '--port', '0', '--data-dir', folder.path], env);
      running.push(proc);
      const url = await proc.ready;
      const first = (await readFile(join(folder.path, 'admin-password'), 'utf8')).trim();
      const session = await login(url, first);
      expect(await me(url, session.cookie)).toBe(200);

      const chosen = 'a-postgres-admin-password';
      const reset = await runCli(
        ['admin', 'reset-password', '--password-stdin', '--data-dir', folder.path],
        env,
        { input: `${chosen}\n` },
      );
      expect(reset.code, reset.stderr).toBe(0);
      expect(await me(url, session.cookie)).toBe(401);
      expect((await login(url, first)).status).toBe(401);
      expect((await login(url, chosen)).status).toBe(200);
      expect((await interrupt(proc)).code).toBe(0);
      await folder.remove();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });
});
