import { readFile } from 'node:fs/promises';
import {
  ensureTestUser,
  startFakeAnthropic,
  startSshd,
  TEST_USER,
  TEST_USER_PASSWORD,
  tempDir,
  textReply,
  toolResults,
  toolUse,
} from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import { cleanups, runTask, up, useTeardown, xtermDesktop } from './support/agents-e2e.js';
import { interrupt } from './support/figaro-process.js';

useTeardown();

// Issue 8: SshCommandRunner was never constructed. `figaro up --desktop ID` of a stored desktop with an
// ssh:// endpoint gives its worker the shell through figaro.api.ssh (the orchestrator keeps the secret).
describe('figaro up --desktop ID of a stored desktop with an ssh:// endpoint (real process, sshd)', () => {
  it('the worker has the shell tool, run over SSH as the endpoint’s user', async () => {
    await ensureTestUser();
    const sshd = await startSshd({ passwordUsers: [TEST_USER] });
    cleanups.push(() => sshd.stop());
    const { desktop } = await xtermDesktop('e2epw');
    const data = await tempDir();
    cleanups.push(data.remove);
    const fake = await startFakeAnthropic();
    cleanups.push(() => fake.stop());

    // First run: store the desktop with its VNC and SSH endpoints over REST, then stop.
    const first = await up(fake, ['--workers', '0'], {}, data.path);
    const token = (await readFile(`${data.path}/token`, 'utf8')).trim();
    const stored = await fetch(`${first.clientEnv.FIGARO_URL}/api/v1/desktops`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        worker_id: 'lab',
        novnc_url: desktop.url,
        vnc_password: 'e2epw',
        ssh_url: `ssh://${TEST_USER}:${TEST_USER_PASSWORD}@127.0.0.1:${sshd.port}`,
      }),
    });
    expect(stored.status, await stored.text()).toBeLessThan(300);
    await interrupt(first.proc);

    fake.script.reply(toolUse('shell', { command: 'id -un' }), textReply('Ran it over SSH.'));
    const { proc, clientEnv } = await up(fake, ['--workers', '0', '--desktop', 'lab'], {}, data.path);
    expect(proc.stdout()).toContain('Worker lab drives the desktop at');
    expect(proc.stdout()).toContain('with a shell over its SSH endpoint');
    expect(proc.stdout()).not.toContain(TEST_USER_PASSWORD);
    const result = await runTask(clientEnv, ['--worker', 'lab']);
    expect(result.code, result.err).toBe(0);

    const [request, next] = fake.script.requests;
    expect(((request?.body.tools ?? []) as Array<{ name: string }>).map((t) => t.name)).toContain('shell');
    const [shell] = next ? toolResults(next) : [];
    expect(shell?.text).toBe(`exit status 0\nstdout:\n${TEST_USER}\n\nstderr:\n`);
    fake.assertDone();
  }, 120_000);
});
