import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startFakeAnthropic, textReply, toolResults, toolUse } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import { cleanups, runTask, up, useTeardown } from './support/agents-e2e.js';

const run = promisify(execFile);
useTeardown();

/** The unprivileged user of local desktops and tools, as install.sh creates it (tests run as root in CI). */
async function ensureDesktopUser(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const exists = () =>
    run('id', ['-u', 'figaro-desktop']).then(
      () => true,
      () => false,
    );
  if (await exists()) return;
  const home = ['--create-home', '--home-dir', '/var/lib/figaro-desktop'];
  await run('useradd', ['--system', ...home, '--shell', '/usr/sbin/nologin', 'figaro-desktop']).catch(
    async (err: unknown) => {
      if (!(await exists())) throw err;
    },
  );
}

// Issue 8: LocalCommandRunner was never constructed, so FIGARO_ALLOW_LOCAL_SHELL did nothing.
describe('FIGARO_ALLOW_LOCAL_SHELL=true (a real figaro up, fake Anthropic, a local Xvnc desktop)', () => {
  it('a local worker has the shell tool, run as the unprivileged desktop user; its output reaches the model', async () => {
    await ensureDesktopUser();
    const expected = process.getuid?.() === 0 ? 'figaro-desktop' : (await run('id', ['-un'])).stdout.trim();
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());
    fake.script.reply(toolUse('shell', { command: 'id -un; pwd' }), textReply('Ran as the desktop user.'));

    const { proc, clientEnv } = await up(fake, ['--workers', '1'], {
      FIGARO_ALLOW_LOCAL_SHELL: 'true',
      FIGARO_DESKTOP_APPS: 'xterm',
    });
    expect(proc.stdout()).toContain(`Worker local-1 drives its own desktop`);
    expect(proc.stdout()).toContain(`with a local shell as ${expected}`);
    const result = await runTask(clientEnv, ['--worker', 'local-1']);
    expect(result.code, result.err).toBe(0);

    const [first, second] = fake.script.requests;
    const tools = (first?.body.tools ?? []) as Array<{ name: string }>;
    expect(tools.map((t) => t.name)).toContain('shell');
    const [shellResult] = second ? toolResults(second) : [];
    expect(shellResult?.isError).toBe(false);
    expect(shellResult?.text).toMatch(
      new RegExp(`^exit status 0\\nstdout:\\n${expected}\\n/tmp/figaro-desktop-`),
    );
    fake.assertDone();
  }, 90_000);
});
