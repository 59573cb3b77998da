import { readFile } from 'node:fs/promises';
import { Task } from '@figaro/protocol';
import { tempDir } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './support/figaro-cli.js';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

// Issue 8, defects 2 and 9 (client parts), against an embedded `figaro up` where no agent runs.
let server: FigaroProcess;
let dataDir: { path: string; remove(): Promise<void> };
let env: Record<string, string>;

/** C0 controls but newline and tab, DEL and C1 controls: what must never reach the terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that must not be printed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

beforeAll(async () => {
  dataDir = await tempDir();
  server = startFigaro(['up', '--port', '0', '--data-dir', dataDir.path]);
  env = { FIGARO_URL: await server.ready, FIGARO_DATA_DIR: dataDir.path };
});

afterAll(async () => {
  if (server && server.child.exitCode === null) await interrupt(server);
  await dataDir?.remove();
});

describe('a task no agent can take', () => {
  it('task create --wait says why it waits and how to start agents', async () => {
    const cli = spawnCli(['task', 'create', 'nobody runs this', '--wait'], env);
    await cli.waitFor(/FIGARO_WORKER_ENGINE/, 'stderr');
    cli.child.kill('SIGINT');
    const { code, stdout, stderr } = await cli.result;
    expect(code).toBe(130);
    expect(stdout).toMatch(/^status\s+pending \(waiting on no_worker: no agent is connected\)$/m);
    expect(stderr).toMatch(/no agent is connected that can take this task/i);
    expect(stderr).toContain('FIGARO_ANTHROPIC_API_KEY');
    expect(stderr).toContain('figaro worker');
  });

  it('task create says so on standard error (standard output keeps the one line)', async () => {
    const created = await runCli(['task', 'create', 'nobody either'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created task \S+ \(pending, target auto\)\n$/);
    expect(created.stderr).toMatch(/no agent is connected that can take this task/i);
  });

  it('task get shows waiting_on with the same hint', async () => {
    const created = Task.parse(
      JSON.parse((await runCli(['task', 'create', 'still nobody', '--json'], env)).stdout),
    );
    expect(created.waiting_on).toBe('no_worker');
    const shown = await runCli(['task', 'get', created.task_id], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^waiting on\s+no_worker \(no agent is connected that can take it\)$/m);
    expect(shown.stdout).toContain('FIGARO_ANTHROPIC_API_KEY');
  });
});

describe('terminal escape sequences from the server', () => {
  const prompt = 'open \u001b]0;owned\u0007the \u001b[2J\u001b[31mred\u001b[0m page\u009b2J now\r';

  it('never reach the terminal in task get, task list or --json', async () => {
    const created = await runCli(['task', 'create', prompt, '--json'], env);
    expect(created.code).toBe(0);
    const task = Task.parse(JSON.parse(created.stdout));
    expect(task.prompt).toContain('\u001b[31m');
    expect(created.stdout).not.toMatch(CONTROL);

    const shown = await runCli(['task', 'get', task.task_id], env);
    expect(shown.stdout).toMatch(/^prompt\s+open the red page now$/m);
    const listed = await runCli(['task', 'list'], env);
    expect(listed.stdout).toContain('open the red page now');
    for (const output of [shown, listed]) expect(output.stdout + output.stderr).not.toMatch(CONTROL);
  });
});

describe('version and help', () => {
  it('figaro --version and -V print the CLI package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      expect(await runCli([flag], {})).toEqual({ code: 0, stdout: `figaro ${version}\n`, stderr: '' });
    }
  });

  it('shows no password in a URL, in any help text or in docs/configuration.md', async () => {
    const helps = [['--help'], ['up', '--help'], ['worker', '--help'], ['desktop', 'add', '--help']];
    for (const args of helps) {
      const { stdout } = await runCli(args, {});
      expect(stdout, args.join(' ')).not.toMatch(/:\/\/[^\s/]*:[^\s/]*@/);
      expect(stdout).not.toContain('password@');
    }
    const docs = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(docs).not.toContain('password@');
  });

  it('lists figaro admin reset-password in the help', async () => {
    expect((await runCli(['--help'], {})).stdout).toContain('admin reset-password');
    expect((await runCli(['admin', '--help'], {})).stdout).toContain('reset-password');
  });
});
