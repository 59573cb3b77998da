import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempDir } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/figaro-cli.js';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

// Issue 8, defect 10: a server started with --port and --data-dir is found by the client through the
// URL it records in its data folder, without FIGARO_URL.
let server: FigaroProcess;
let dataDir: { path: string; remove(): Promise<void> };
let otherDir: { path: string; remove(): Promise<void> };
let url: string;

beforeAll(async () => {
  dataDir = await tempDir();
  otherDir = await tempDir();
  server = startFigaro(['up', '--port', '0', '--data-dir', dataDir.path]);
  url = await server.ready;
});

afterAll(async () => {
  if (server && server.child.exitCode === null) await interrupt(server);
  await dataDir?.remove();
  await otherDir?.remove();
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('finding the server (figaro up --port 0 --data-dir DIR)', () => {
  it('records its URL in <data-dir>/url, readable by its owner only', async () => {
    const text = await readFile(join(dataDir.path, 'url'), 'utf8');
    expect(text.split('\n')[0]).toBe(url);
    expect((await stat(join(dataDir.path, 'url'))).mode & 0o777).toBe(0o600);
  });

  it('is found with FIGARO_DATA_DIR alone', async () => {
    const result = await runCli(['task', 'list'], { FIGARO_DATA_DIR: dataDir.path });
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('is found with the --data-dir flag alone', async () => {
    const result = await runCli(['workers', '--data-dir', dataDir.path], {});
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const equals = await runCli(['task', 'list', `--data-dir=${dataDir.path}`], {});
    expect(equals).toMatchObject({ code: 0, stderr: '' });
  });

  it('takes --url over FIGARO_URL and over the recorded URL', async () => {
    const token = (await readFile(join(dataDir.path, 'token'), 'utf8')).trim();
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const byFlag = await runCli(['task', 'list', '--url', url], {
      FIGARO_URL: nobody,
      FIGARO_API_TOKEN: token,
      FIGARO_DATA_DIR: otherDir.path,
    });
    expect(byFlag).toMatchObject({ code: 0, stderr: '' });
    const overRecorded = await runCli(['task', 'list', '--url', nobody, '--data-dir', dataDir.path], {});
    expect(overRecorded).toMatchObject({
      code: 1,
      stderr: `figaro: cannot reach Figaro at ${nobody}: is \`figaro up\` running?\n`,
    });
    const badFlag = await runCli(['task', 'list', '--url', 'ftp://x'], { FIGARO_API_TOKEN: token });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--url: must be an http:// or https:// URL');
    const missing = await runCli(['task', 'list', '--url'], { FIGARO_API_TOKEN: token });
    expect(missing.code).toBe(2);
  });

  it('ignores a URL recorded by a process that is gone', async () => {
    const token = (await readFile(join(dataDir.path, 'token'), 'utf8')).trim();
    await writeFile(join(otherDir.path, 'url'), `${url}\npid=${await deadPid()}\n`, { mode: 0o600 });
    const result = await runCli(['task', 'list'], {
      FIGARO_DATA_DIR: otherDir.path,
      FIGARO_API_TOKEN: token,
      FIGARO_URL: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain(url);
  });

  it('removes the recorded URL when it stops', async () => {
    expect((await interrupt(server)).code).toBe(0);
    expect(existsSync(join(dataDir.path, 'url'))).toBe(false);
  });
});
