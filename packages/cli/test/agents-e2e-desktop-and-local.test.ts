import { startFakeAnthropic } from '@figaro/testkit';
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
  xtermDesktop,
} from './support/agents-e2e.js';

useTeardown();

// Issue 8, defect 1: with Xvnc installed `figaro up --desktop vnc://…` also starts local-1 in the same
// process; a task for the --desktop worker ended `failed: cancelled` before any model request.
describe('figaro up --desktop beside a local worker (a real process, Xvnc installed)', () => {
  it('a task for the --desktop worker completes while local-1 runs beside it, and up says who runs', async () => {
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());
    const { desktop, file } = await xtermDesktop('e2epw');
    scriptWorker(fake, file, [400, 300]);

    // No --workers: one local desktop starts because Xvnc is installed.
    const { proc, clientEnv } = await up(fake, ['--desktop', desktop.url], {
      FIGARO_VNC_PASSWORD: 'e2epw',
      FIGARO_DESKTOP_APPS: 'xterm',
    });
    const printed = proc.stdout();
    expect(printed).toMatch(/Worker local-1 drives its own desktop :\d+/);
    expect(printed).toContain(`Worker desktop-1 drives the desktop at ${desktop.url}`);
    expect(printed).toContain('Supervisor local-supervisor takes tasks');
    expect(printed).not.toMatch(/no model engine/i);
    expect(printed).not.toContain('e2epw');

    const result = await runTask(clientEnv, ['--worker', 'desktop-1']);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('The file now holds');
    expect((await fileContent(file)).trim()).toBe('done');
    expectToolCallsWithScreenshotsAndCost(await storedMessages(clientEnv));
    fake.assertDone();
  }, 90_000);
});
