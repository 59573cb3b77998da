import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListTasksReply, Task, TaskWithMessages, WorkersList } from '@figaro/protocol';
import { freePort, tempDir } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/figaro-cli.js';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

const UNKNOWN_TASK = '00000000-0000-4000-8000-000000000000';

let server: FigaroProcess;
let dataDir: { path: string; remove(): Promise<void> };
let emptyDir: { path: string; remove(): Promise<void> };
/** What a client needs to reach the embedded server: its URL and the data folder with its token. */
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await tempDir();
  emptyDir = await tempDir();
  server = startFigaro(['up', '--port', '0', '--data-dir', dataDir.path]);
  const url = await server.ready;
  env = { FIGARO_URL: url, FIGARO_DATA_DIR: dataDir.path };
});

afterAll(async () => {
  if (server && server.child.exitCode === null) await interrupt(server);
  await dataDir?.remove();
  await emptyDir?.remove();
});

describe('figaro task (against figaro up)', () => {
  it('creates, lists, shows and stops a task', async () => {
    const created = await runCli(['task', 'create', 'open example.com', '--json'], env);
    expect(created.code).toBe(0);
    const task = Task.parse(JSON.parse(created.stdout));
    expect(task).toMatchObject({ prompt: 'open example.com', status: 'pending', source: 'cli' });

    const listed = await runCli(['task', 'list'], env);
    expect(listed.code).toBe(0);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+AGENT\s+CREATED\s+PROMPT$/);
    expect(rows.find((row) => row.startsWith(task.task_id))).toMatch(/pending\s+-\s+.+open example\.com$/);

    const page = ListTasksReply.parse(
      JSON.parse((await runCli(['task', 'list', '--json', '--limit', '5'], env)).stdout),
    );
    expect(page.tasks.map((t) => t.task_id)).toContain(task.task_id);

    const shown = await runCli(['task', 'get', task.task_id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^task\\s+${task.task_id}$`, 'm'));
    expect(shown.stdout).toMatch(/^status\s+pending$/m);
    expect(shown.stdout).toMatch(/^prompt\s+open example\.com$/m);

    const stopped = await runCli(['task', 'stop', task.task_id], env);
    expect(stopped).toMatchObject({ code: 0, stdout: `Stopped task ${task.task_id} (cancelled).\n` });
    const after = TaskWithMessages.parse(
      JSON.parse((await runCli(['task', 'get', task.task_id, '--json'], env)).stdout),
    );
    expect(after.status).toBe('cancelled');
    const cancelled = await runCli(['task', 'list', '--status', 'cancelled'], env);
    expect(cancelled.stdout).toContain(task.task_id);

    const again = await runCli(['task', 'stop', task.task_id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^figaro: .*cancelled.* \(conflict\)\n$/);
  });

  it('says in one line that a task does not exist, and exits 1', async () => {
    const result = await runCli(['task', 'get', UNKNOWN_TASK], env);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `figaro: task ${UNKNOWN_TASK} not found (not_found)\n`,
    });
  });

  it('exits 2 on bad arguments before calling the server', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['task', 'get', '42'], /"42" is not a task id/],
      [['task', 'create'], /missing PROMPT/],
      [['task', 'create', 'x', '--target', 'robot'], /--target: must be auto, worker or supervisor/],
      [['task', 'create', 'x', '--worker', 'Bad Id'], /--worker "Bad Id" is not valid/],
      [['task', 'list', '--status', 'done'], /--status: must be one of pending, .*cancelled/],
      [['task', 'list', '--limit', '0'], /--limit: must be a whole number/],
      [['task', 'stop'], /missing ID/],
      [['task', 'fly'], /unknown command "task fly"/],
      [['workers', '--colour'], /--colour/],
    ];
    // Unreachable on purpose: a usage error must be found without a round trip.
    const offline = {
      FIGARO_URL: `http://127.0.0.1:${await freePort()}`,
      FIGARO_API_TOKEN: 'unused-token-0123456789',
    };
    const results = await Promise.all(cases.map(([args]) => runCli(args, offline)));
    results.forEach((result, index) => {
      expect(result.code, cases[index]?.[0].join(' ')).toBe(2);
      expect(result.stderr).toMatch(cases[index]?.[1] ?? /never/);
    });
  });
});

describe('figaro workers and figaro desktop', () => {
  const password = 'correct-horse-battery-staple';

  it('adds a desktop with the password from stdin, shows it masked, and removes it', async () => {
    const added = await runCli(
      ['desktop', 'add', 'lab-1', 'vnc://10.1.2.3:5901', '--username', 'bob', '--password-stdin'],
      env,
      { input: `${password}\n` },
    );
    expect(added).toMatchObject({
      code: 0,
      stdout: 'Saved desktop lab-1 (vnc://10.1.2.3:5901, linux, user bob, password stored).\n',
    });

    const table = await runCli(['workers'], env);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+AGENT\s+OS\s+USER\s+PASSWORD\s+DESKTOP$/);
    expect(rows).toContainEqual(
      expect.stringMatching(/^lab-1\s+offline\s+no\s+linux\s+bob\s+\*\*\*\s+vnc:\/\/10\.1\.2\.3:5901$/),
    );

    const json = await runCli(['workers', '--json'], env);
    const listed = WorkersList.parse(JSON.parse(json.stdout)).workers.find((w) => w.id === 'lab-1');
    expect(listed).toMatchObject({ vnc_username: 'bob', vnc_password: '***', metadata: { os: 'linux' } });

    const removed = await runCli(['desktop', 'remove', 'lab-1'], env);
    expect(removed).toMatchObject({ code: 0, stdout: 'Removed desktop lab-1.\n' });
    const after = WorkersList.parse(JSON.parse((await runCli(['workers', '--json'], env)).stdout));
    expect(after.workers.map((w) => w.id)).not.toContain('lab-1');
    const again = await runCli(['desktop', 'remove', 'lab-1'], env);
    expect(again).toMatchObject({ code: 1, stderr: 'figaro: desktop lab-1 not found (not_found)\n' });

    for (const output of [added, table, json, removed, again]) {
      expect(output.stdout + output.stderr).not.toContain(password);
    }
    expect(server.stdout() + server.stderr()).not.toContain(password);
  });

  it('refuses a password inside the URL or on the command line, without echoing it', async () => {
    const inUrl = await runCli(['desktop', 'add', 'lab-2', `vnc://bob:${password}@10.1.2.3:5901`], env);
    expect(inUrl.code).toBe(2);
    expect(inUrl.stderr).toContain('the URL contains a password');
    expect(inUrl.stderr).toContain('--password-stdin');
    const asFlag = await runCli(
      ['desktop', 'add', 'lab-2', 'vnc://10.1.2.3:5901', `--password=${password}`],
      env,
    );
    expect(asFlag.code).toBe(2);
    expect(asFlag.stderr).toContain('--password-stdin');
    const emptyStdin = await runCli(
      ['desktop', 'add', 'lab-2', 'vnc://10.1.2.3:5901', '--password-stdin'],
      env,
    );
    expect(emptyStdin.code).toBe(2);
    expect(emptyStdin.stderr).toContain('no VNC password on standard input');
    for (const output of [inUrl, asFlag, emptyStdin])
      expect(output.stdout + output.stderr).not.toContain(password);
    const workers = WorkersList.parse(JSON.parse((await runCli(['workers', '--json'], env)).stdout));
    expect(workers.workers.map((w) => w.id)).not.toContain('lab-2');
  });
});

describe('client configuration', () => {
  it('exits 2 and says how to provide a token when there is none', async () => {
    const result = await runCli(['workers'], {
      FIGARO_URL: env.FIGARO_URL ?? '',
      FIGARO_DATA_DIR: emptyDir.path,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `no API token: FIGARO_API_TOKEN is not set and ${join(emptyDir.path, 'token')} does not exist`,
    );
    expect(result.stderr).toContain('FIGARO_DATA_DIR');
  });

  it('takes the token from FIGARO_API_TOKEN, and exits 1 when the server refuses it', async () => {
    const token = (await readFile(join(dataDir.path, 'token'), 'utf8')).trim();
    const base = { FIGARO_URL: env.FIGARO_URL ?? '', FIGARO_DATA_DIR: emptyDir.path };
    expect((await runCli(['workers'], { ...base, FIGARO_API_TOKEN: token })).code).toBe(0);
    const refused = await runCli(['workers'], { ...base, FIGARO_API_TOKEN: 'not-the-right-token-at-all' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^figaro: authentication required \(unauthorized\): the API token was refused/,
    );
    expect(refused.stderr).not.toContain('not-the-right-token-at-all');
  });

  it('exits 1 with a hint when Figaro cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['task', 'list'], {
      FIGARO_URL: url,
      FIGARO_API_TOKEN: 'some-token-0123456789',
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `figaro: cannot reach Figaro at ${url}: is \`figaro up\` running?\n`,
    });
  });

  it('exits 2 and lists every problem of the client environment at once', async () => {
    const result = await runCli(['workers'], { FIGARO_URL: 'ftp://example.com', FIGARO_API_TOKEN: '   ' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FIGARO_URL: must be an http:// or https:// URL');
    expect(result.stderr).toContain('FIGARO_API_TOKEN: must not be blank');
  });
});
