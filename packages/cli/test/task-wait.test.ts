import { NatsBus } from '@figaro/bus';
import { FakeAgent } from '@figaro/orchestrator/testing';
import { Task, TaskWithMessages } from '@figaro/protocol';
import { type NatsServerHandle, startNatsServer, tempDir } from '@figaro/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, spawnCli } from './support/figaro-cli.js';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

// `figaro up` on a private nats-server (so no other test file's orchestrator answers its subjects)
// with PGlite in a temp folder; the fake workers join it over the same NATS.
let nats: NatsServerHandle;
let dataDir: { path: string; remove(): Promise<void> };
let server: FigaroProcess;
let bus: NatsBus;
let env: Record<string, string>;
const agents: FakeAgent[] = [];
const clis: CliProcess[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  dataDir = await tempDir();
  server = startFigaro(['up', '--port', '0', '--data-dir', dataDir.path], { FIGARO_NATS_URL: nats.url });
  const url = await server.ready;
  bus = await NatsBus.connect({ servers: nats.url, name: 'cli-test-agents' });
  env = { FIGARO_URL: url, FIGARO_DATA_DIR: dataDir.path };
});

afterEach(async () => {
  for (const cli of clis.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.result;
  }
  for (const agent of agents.splice(0)) {
    await agent.stop();
    await agent.deregister().catch(() => {});
  }
});

afterAll(async () => {
  await bus?.close();
  if (server && server.child.exitCode === null) await interrupt(server);
  await nats?.stop();
  await dataDir?.remove();
});

async function startAgent(id: string): Promise<FakeAgent> {
  const agent = new FakeAgent({ bus, id });
  agents.push(agent);
  await agent.start();
  return agent;
}

function follow(args: string[]): CliProcess {
  const cli = spawnCli(['task', 'create', ...args, '--wait'], env);
  clis.push(cli);
  return cli;
}

/** The index of the first line matching `pattern`, failing the test when there is none. */
function lineIndex(lines: readonly string[], pattern: RegExp): number {
  const index = lines.findIndex((line) => pattern.test(line));
  expect(index, `no line matches ${pattern} in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('figaro task create --wait (figaro up on NATS with a fake worker)', () => {
  it('prints each status change and the worker message, then the result, and exits 0', async () => {
    const agent = await startAgent('cli-wait-ok');
    const cli = follow(['hello', '--worker', agent.id]);
    const assignment = await agent.nextAssignment(15_000);
    expect(assignment.prompt).toBe('hello');
    // Act only once the CLI follows the task, so every step below reaches it as a push.
    await cli.waitFor(/Following task/, 'stderr');
    await agent.message(assignment.task_id, 'opened the page');
    await agent.complete(assignment.task_id, { result: 'done' });

    const { code, stdout } = await cli.result;
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Created task ${assignment.task_id} (target worker)`);
    const assigned = lineIndex(lines, /^status\s+assigned \(worker cli-wait-ok\)$/);
    const message = lineIndex(lines, /^message\s+opened the page$/);
    const running = lineIndex(lines, /^status\s+running \(worker cli-wait-ok\)$/);
    const completed = lineIndex(lines, /^status\s+completed$/);
    expect(assigned).toBeLessThan(Math.min(message, running));
    expect(Math.max(message, running)).toBeLessThan(completed);
    expect(lines.at(-1)).toBe('done');
    expect(lines.filter((line) => /opened the page/.test(line))).toHaveLength(1);
    expect(lines.every((line) => line.length <= 100)).toBe(true);
  });

  it('does not miss a task that finished before it subscribed', async () => {
    const agent = await startAgent('cli-wait-fast');
    // The worker finishes the moment it is assigned, racing the CLI's subscription.
    const finished = agent.nextAssignment(15_000).then(async (assignment) => {
      await agent.message(assignment.task_id, 'all at once');
      await agent.complete(assignment.task_id, { result: 'finished early' });
    });
    const result = await runCli(['task', 'create', 'be quick', '--worker', agent.id, '--wait'], env);
    await finished;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^message\s+all at once$/m);
    expect(result.stdout).toMatch(/^status\s+completed$/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('finished early');
  });

  it('exits 1 with the error when the task fails (--json: the finished task on stdout)', async () => {
    const agent = await startAgent('cli-wait-fail');
    const cli = follow(['fail please', '--worker', agent.id, '--json']);
    const assignment = await agent.nextAssignment(15_000);
    await cli.waitFor(/Following task/, 'stderr');
    await agent.fail(assignment.task_id, 'the page did not load');

    const { code, stdout, stderr } = await cli.result;
    expect(code).toBe(1);
    expect(Task.parse(JSON.parse(stdout))).toMatchObject({
      task_id: assignment.task_id,
      status: 'failed',
      error: 'the page did not load',
    });
    expect(stderr).toMatch(/^status\s+failed$/m);
    expect(stderr).toContain(`figaro: task ${assignment.task_id} failed: the page did not load\n`);
  });

  it('exits 1 when the task is cancelled while it waits', async () => {
    const agent = await startAgent('cli-wait-stop');
    const cli = follow(['stop me', '--worker', agent.id]);
    const assignment = await agent.nextAssignment(15_000);
    await cli.waitFor(/Following task/, 'stderr');
    const stop = await runCli(['task', 'stop', assignment.task_id], env);
    expect(stop.code).toBe(0);

    const { code, stdout, stderr } = await cli.result;
    expect(code).toBe(1);
    expect(stdout).toMatch(/^status\s+cancelled$/m);
    expect(stderr).toContain(`figaro: task ${assignment.task_id} was cancelled\n`);
  });

  it('strips terminal escape sequences from messages, results and errors (issue 8, defect 9)', async () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that must not be printed
    const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    const agent = await startAgent('cli-wait-escape');
    const done = follow(['escape', '--worker', agent.id]);
    const first = await agent.nextAssignment(15_000);
    await done.waitFor(/Following task/, 'stderr');
    await agent.message(first.task_id, 'opened \u001b]0;owned\u0007the \u001b[31mred\u001b[0m page\u009b2J');
    await agent.complete(first.task_id, { result: 'done\u001b[2J\u001b[H here\u0007' });
    const completed = await done.result;
    expect(completed.code).toBe(0);
    expect(completed.stdout).toMatch(/^message\s+opened the red page$/m);
    expect(completed.stdout.trimEnd().split('\n').at(-1)).toBe('done here');

    const failing = follow(['escape again', '--worker', agent.id]);
    const second = await agent.nextAssignment(15_000);
    await failing.waitFor(/Following task/, 'stderr');
    await agent.fail(second.task_id, 'broke \u001b]52;c;ZXZpbA==\u0007the clipboard');
    const failed = await failing.result;
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('failed: broke the clipboard\n');

    const shown = await runCli(['task', 'get', first.task_id], env);
    expect(shown.stdout).toMatch(/^result\s+done here$/m);
    for (const output of [completed, failed, shown])
      expect(output.stdout + output.stderr).not.toMatch(control);
  });

  it('stops waiting on Ctrl-C with exit 130 and leaves the task running', async () => {
    const agent = await startAgent('cli-wait-int');
    const cli = follow(['keep going', '--worker', agent.id]);
    const assignment = await agent.nextAssignment(15_000);
    await cli.waitFor(/Following task/, 'stderr');
    await agent.message(assignment.task_id, 'working on it');
    await cli.waitFor(/^message\s+working on it$/m, 'stdout');
    cli.child.kill('SIGINT');

    const { code, stderr } = await cli.result;
    expect(code).toBe(130);
    expect(stderr).toContain(`Stop it with \`figaro task stop ${assignment.task_id}\``);
    const task = TaskWithMessages.parse(
      JSON.parse((await runCli(['task', 'get', assignment.task_id, '--json'], env)).stdout),
    );
    expect(task.status).toBe('running');
    await agent.complete(assignment.task_id, { result: 'done later' });
  });
});
