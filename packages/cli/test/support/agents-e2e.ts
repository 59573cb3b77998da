import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type FakeAnthropic,
  startX11vnc,
  startXClient,
  tempDir,
  textReply,
  toolUse,
  type VncServerHandle,
} from '@figaro/testkit';
import sharp from 'sharp';
import { afterEach, expect } from 'vitest';
import { type FigaroProcess, interrupt, startFigaro } from './figaro-process.js';

/** Cleanups of the current test, run in reverse order after it. */
export const cleanups: Array<() => Promise<void>> = [];
const running: FigaroProcess[] = [];
/** Registers the teardown of `cleanups` and `running` in the calling test file. */
export function useTeardown(): void {
  afterEach(async () => {
    for (const proc of running.splice(0)) if (proc.child.exitCode === null) await interrupt(proc);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
}

/** Scripts the model: look, click the xterm, type a command, press Return, answer. */
export function scriptWorker(fake: FakeAnthropic, file: string, click: [number, number]): void {
  fake.script.reply(
    toolUse('computer', { action: 'screenshot' }),
    toolUse('computer', { action: 'left_click', coordinate: click }),
    toolUse('computer', { action: 'type', text: `echo done > ${file}` }),
    toolUse('computer', { action: 'key', text: 'Return' }),
    textReply('The file now holds "done".'),
  );
}

export async function fileContent(path: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.length > 0) return text;
    if (Date.now() > deadline) throw new Error(`${path} stayed empty`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `figaro up` with the fake model and returns the client environment for the CLI. Its data
 * folder is a fresh one, or `dataDir` (kept by the caller) to start again on what an earlier run stored.
 */
export async function up(
  model: { url: string },
  args: string[],
  extraEnv: Record<string, string> = {},
  dataDir?: string,
) {
  let dir = dataDir;
  if (dir === undefined) {
    const fresh = await tempDir();
    cleanups.push(fresh.remove);
    dir = fresh.path;
  }
  const proc = startFigaro(['up', '--port', '0', '--data-dir', dir, ...args], {
    FIGARO_ANTHROPIC_API_KEY: 'sk-test-key',
    FIGARO_ANTHROPIC_BASE_URL: model.url,
    FIGARO_WORKER_MODEL: 'claude-sonnet-4-6',
    FIGARO_SETTLE_MS: '150',
    ...extraEnv,
  });
  running.push(proc);
  const url = await proc.ready;
  return { proc, dir, clientEnv: { FIGARO_URL: url, FIGARO_DATA_DIR: dir } };
}

export async function runTask(
  clientEnv: Record<string, string>,
  extraArgs: string[] = [],
): Promise<{ code: number | null; out: string; err: string }> {
  const cli = startFigaro(
    [
      'task',
      'create',
      'Write done into the file with the terminal',
      '--target',
      'worker',
      '--wait',
      ...extraArgs,
    ],
    clientEnv,
  );
  running.push(cli);
  const code = await cli.exited;
  return { code, out: cli.stdout(), err: cli.stderr() };
}

/** The stored events of the newest task, through the CLI's JSON output. */
export async function storedMessages(
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

export function expectToolCallsWithScreenshotsAndCost(
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

/**
 * Waits until the desktop `desktopId` shows a window at (x, y) — a pixel unlike the empty background
 * in the bottom-right corner — through `figaro.api.vnc` over REST (the orchestrator holds the password).
 */
export async function waitForWindowAt(
  clientEnv: Record<string, string>,
  desktopId: string,
  x: number,
  y: number,
  timeoutMs = 20_000,
): Promise<void> {
  const url = clientEnv.FIGARO_URL ?? '';
  const token = (await readFile(`${clientEnv.FIGARO_DATA_DIR}/token`, 'utf8')).trim();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/api/v1/vnc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ desktop_id: desktopId, action: 'screenshot', format: 'png' }),
    });
    if (res.ok) {
      const body = (await res.json()) as { image: string; width: number; height: number };
      const { data, info } = await sharp(Buffer.from(body.image, 'base64'))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const at = (px: number, py: number) => data.readUIntBE((py * info.width + px) * info.channels, 3);
      if (at(x, y) !== at(info.width - 5, info.height - 5)) return;
    }
    if (Date.now() > deadline)
      throw new Error(`no window at ${x},${y} on ${desktopId} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * An x11vnc desktop (with `password` if given) showing a full-screen xterm whose shell works in a
 * fresh folder; returns the desktop and the path of the file the scripted model writes. Everything is
 * stopped after the test.
 */
export async function xtermDesktop(password?: string): Promise<{ desktop: VncServerHandle; file: string }> {
  const desktop = await startX11vnc(password ? { password } : {});
  cleanups.push(() => desktop.stop());
  const work = await tempDir();
  cleanups.push(work.remove);
  const xterm = startXClient('xterm', ['-geometry', '200x60+0+0', '-e', 'bash', '--norc', '--noprofile'], {
    env: desktop.env,
    cwd: work.path,
  });
  cleanups.push(() => xterm.stop());
  return { desktop, file: join(work.path, 'FILE') };
}
