import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeAnthropic, startFakeAnthropic, tempDir, textReply, toolUse } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import {
  cleanups,
  expectToolCallsWithScreenshotsAndCost,
  fileContent,
  runTask,
  scriptWorker,
  storedMessages,
  up,
  useTeardown,
  waitForWindowAt,
  xtermDesktop,
} from './support/agents-e2e.js';

useTeardown();

describe('agents end to end (fake Anthropic, real desktops)', () => {
  it('figaro up --desktop drives an existing x11vnc desktop and the task completes', async () => {
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());
    const { desktop, file } = await xtermDesktop('e2epw');
    scriptWorker(fake, file, [400, 300]);

    const { clientEnv } = await up(fake, ['--workers', '0', '--desktop', desktop.url], {
      FIGARO_VNC_PASSWORD: 'e2epw',
    });
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
    // Desktops Figaro starts run as the unprivileged user figaro-desktop when it exists: let it write here.
    await chmod(work.path, 0o777);
    const file = join(work.path, 'FILE');
    // The launcher opens the xterm at +40+40 (100×30 characters): click inside it.
    scriptWorker(fake, file, [120, 100]);
    const { clientEnv } = await up(fake, ['--workers', '1'], { FIGARO_DESKTOP_APPS: 'xterm' });
    // The launcher returns once VNC answers; the xterm maps a moment later.
    await waitForWindowAt(clientEnv, 'local-1', 120, 100);
    const result = await runTask(clientEnv);
    expect(result.code, result.err).toBe(0);
    expect((await fileContent(file)).trim()).toBe('done');
    expectToolCallsWithScreenshotsAndCost(await storedMessages(clientEnv));
    fake.assertDone();
  }, 90_000);

  it('figaro up --desktop with the claude-code engine drives the x11vnc desktop through MCP tools', async () => {
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());
    const { desktop, file } = await xtermDesktop();
    scriptClaudeCodeWorker(fake, file, [400, 300]);

    const started = Date.now();
    const { clientEnv } = await up(fake, ['--workers', '0', '--desktop', desktop.url], {
      FIGARO_WORKER_ENGINE: 'claude-code',
      CLAUDE_CODE_MAX_RETRIES: '0',
    });
    const result = await runTask(clientEnv);
    console.info(`claude-code end to end: up + task in ${Date.now() - started} ms`);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('The file now holds');
    expect((await fileContent(file)).trim()).toBe('done');
    expectToolCallsWithScreenshotsAndCost(await storedMessages(clientEnv));
    // Claude Code's own wire: `?beta=true` with x-api-key, only Figaro's MCP tools offered.
    for (const request of fake.script.requests) {
      expect(request.beta).toBe(true);
      expect(request.headers['x-api-key']).toBe('sk-test-key');
    }
    const tools = (fake.script.requests[0]?.body.tools ?? []) as Array<{ name: string }>;
    expect(tools.every((t) => t.name.startsWith('mcp__figaro__'))).toBe(true);
    fake.assertDone();
  }, 90_000);
});

/** The same script with the names Claude Code gives Figaro's MCP tools (`mcp__figaro__computer`). */
function scriptClaudeCodeWorker(fake: FakeAnthropic, file: string, click: [number, number]): void {
  fake.script.reply(
    toolUse('mcp__figaro__computer', { action: 'screenshot' }),
    toolUse('mcp__figaro__computer', { action: 'left_click', coordinate: click }),
    toolUse('mcp__figaro__computer', { action: 'type', text: `echo done > ${file}` }),
    toolUse('mcp__figaro__computer', { action: 'key', text: 'Return' }),
    textReply('The file now holds "done".'),
  );
}
