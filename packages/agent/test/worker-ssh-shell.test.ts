import { Api } from '@figaro/protocol';
import { generateEncryptionKey, parseEncryptionKey, SecretBox } from '@figaro/store';
import { ensureTestUser, type SshdHandle, startSshd, TEST_USER, TEST_USER_PASSWORD } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorSshRunner } from '../src/index.js';
import { modelTurn } from '../src/testing.js';
import { startScriptedWorker } from './support/scripted-agents.js';
import { useServerWorld } from './support/server-world.js';
import { lastToolResults, textOf } from './support/tool-results.js';
import { eventually } from './support/wait.js';

// Issue 8: SshCommandRunner was never constructed. A worker whose desktop has an ssh:// endpoint gets
// the shell through the orchestrator (figaro.api.ssh), which keeps the credentials and the host key.
describe('a worker shell over its desktop SSH endpoint (real sshd, real orchestrator)', () => {
  const world = useServerWorld({ secrets: new SecretBox(parseEncryptionKey(generateEncryptionKey())) });
  let sshd: SshdHandle;

  beforeAll(async () => {
    await ensureTestUser();
    sshd = await startSshd({ passwordUsers: [TEST_USER] });
    await world.agentBus.request(Api.desktopWorkersRegister, {
      worker_id: 'ssh-lab',
      novnc_url: 'vnc://127.0.0.1:5999',
      ssh_url: `ssh://${TEST_USER}:${TEST_USER_PASSWORD}@127.0.0.1:${sshd.port}`,
    });
  }, 60_000);

  afterAll(async () => {
    await world.agentBus.request(Api.desktopWorkersRemove, { worker_id: 'ssh-lab' }).catch(() => {});
    await sshd?.stop();
  });

  it('runs the model’s shell command on the desktop and returns its output to the model', async () => {
    const { model } = await startScriptedWorker(
      world,
      'ssh-lab',
      [
        modelTurn({ toolCalls: [{ name: 'shell', input: { command: 'id -un; exit 4' } }] }),
        modelTurn({ text: 'Ran it over SSH.' }),
      ],
      { shell: new OrchestratorSshRunner(world.agentBus, 'ssh-lab') },
    );
    const task = await world.createTask('whoami on the lab', { worker_id: 'ssh-lab' });
    const done = await eventually(
      () => world.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed' || t?.status === 'failed',
      15_000,
    );
    expect(done?.status, done?.error ?? '').toBe('completed');
    expect(model.requests[0]?.tools.map((t) => t.name)).toContain('shell');
    const [result] = lastToolResults(model.requests[1]);
    expect(result?.is_error).toBeUndefined();
    expect(textOf(result?.content ?? [])).toBe(`exit status 4\nstdout:\n${TEST_USER}\n\nstderr:\n`);
  });
});
