import { join } from 'node:path';
import {
  startFakeAnthropic,
  startX11vnc,
  startXClient,
  tempDir,
  type VncServerHandle,
  type XClientHandle,
} from '@figaro/testkit';
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
} from './support/agents-e2e.js';

useTeardown();

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
