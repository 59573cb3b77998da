import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type FakeAnthropic,
  startFakeAnthropic,
  startX11vnc,
  startXClient,
  tempDir,
  textReply,
  toolUse,
  type VncServerHandle,
  type XClientHandle,
} from '@figaro/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

const cleanups: Array<() => Promise<void>> = [];
const running: FigaroProcess[] = [];
afterEach(async () => {
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) await interrupt(proc);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Scripts the model: look, click the xterm, type a command, press Return, answer. */
function scriptWorker(fake: FakeAnthropic, file: string, click: [number, number]): void {
  fake.script.reply(
    toolUse('computer', { action: 'screenshot' }),
    toolUse('computer', { action: 'left_click', coordinate: click }),
    toolUse('computer', { action: 'type', text: `echo done > ${file}` }),
    toolUse('computer', { action: 'key', text: 'Return' }),
    textReply('The file now holds "done".'),
  );
}

async function fileContent(path: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.length > 0) return text;
    if (Date.now() > deadline) throw new Error(`${path} stayed empty`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `figaro up` with the fake model and returns the client environment for the CLI. */
async function up(fake: FakeAnthropic, args: string[], extraEnv: Record<string, string> = {}) {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const proc = startFigaro(['up', '--port', '0', '--data-dir', dir.path, ...args], {
    FIGARO_ANTHROPIC_API_KEY: 'sk-test-key',
    FIGARO_ANTHROPIC_BASE_URL: fake.url,
    FIGARO_WORKER_MODEL: 'claude-sonnet-4-6',
    FIGARO_SETTLE_MS: '150',
    ...extraEnv,
  });
  running.push(proc);
  const url = await proc.ready;
  return { proc, dir: dir.path, clientEnv: { FIGARO_URL: url, FIGARO_DATA_DIR: dir.path } };
}

async function runTask(
  clientEnv: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const cli = startFigaro(
    ['task', 'create', 'Write done into the file with the terminal', '--target', 'worker', '--wait'],
    clientEnv,
  );
  running.push(cli);
  const code = await cli.exited;
  return { code, out: cli.stdout(), err: cli.stderr() };
}

/** The stored events of the newest task, through the CLI's JSON output. */
async function storedMessages(
  clientEnv: Record<string, string>,
): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
  const list = startFigaro(['task', 'list', '--json'], clientEnv);
  await list.exited;
  const tasks = JSON.parse(list.stdout()) as { tasks: Array<{ task_id: string }> };
  const id = tasks.tasks[0]?.task_id ?? '';
  const get = startFigaro(['task', 'get', id, '--json'], clientEnv);
  await get.exited;
  return (JSON.parse(get.stdout()) as { messages: Array<{ type: string; payload: Record<string, unknown> }> })
    .messages;
}

function expectToolCallsWithScreenshotsAndCost(
  messages: Array<{ type: string; payload: Record<string, unknown> }>,
): void {
  const text = JSON.stringify(messages);
  for (const action of ['screenshot', 'left_click', 'type', 'key'])
    expect(text).toContain(`"action":"${action}"`);
  expect(text).toMatch(/"type":"image","source":\{"type":"blob","sha256":"[0-9a-f]{64}"/);
  expect(text).not.toMatch(/"type":"base64"/);
  const costs = messages.map((m) => m.payload.cost_usd).filter((c): c is number => typeof c === 'number');
  expect(costs.length).toBeGreaterThanOrEqual(5);
  expect(costs.every((c) => c > 0)).toBe(true);
}

describe('agents end to end (fake Anthropic, real desktops)', () => {
  it('figaro up --desktop drives an existing x11vnc desktop and the task completes', async () => {
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());
    const desktop: VncServerHandle = await startX11vnc({ password: 'e2epw' });
    cleanups.push(() => desktop.stop());
    const work = await tempDir();
    cleanups.push(work.remove);
    const xterm: XClientHandle = startXClient(
      'xterm',
      ['-geometry', '200x60+0+0', '-e', 'bash', '--norc', '--noprofile'],
      {
        env: desktop.env,
        cwd: work.path,
      },
    );
    cleanups.push(() => xterm.stop());
    const file = join(work.path, 'FILE');
    scriptWorker(fake, file, [400, 300]);

    const { clientEnv } = await up(fake, [
      '--workers',
      '0',
      '--desktop',
      desktop.url.replace('vnc://', 'vnc://:e2epw@'),
    ]);
    const result = await runTask(clientEnv);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('The file now holds');
    expect((await fileContent(file)).trim()).toBe('done');
    expectToolCallsWithScreenshotsAndCost(await storedMessages(clientEnv));
    fake.assertDone();
  }, 90_000);

  it('figaro up --workers 1 starts its own desktop and the worker uses it', async () => {
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());
    const work = await tempDir();
    cleanups.push(work.remove);
    const file = join(work.path, 'FILE');
    // The launcher opens the xterm at +40+40 (100×30 characters): click inside it.
    scriptWorker(fake, file, [120, 100]);
    const { clientEnv } = await up(fake, ['--workers', '1'], { FIGARO_DESKTOP_APPS: 'xterm' });
    const result = await runTask(clientEnv);
    expect(result.code, result.err).toBe(0);
    expect((await fileContent(file)).trim()).toBe('done');
    expectToolCallsWithScreenshotsAndCost(await storedMessages(clientEnv));
    fake.assertDone();
  }, 90_000);
});
