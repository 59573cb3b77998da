import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Api } from '@figaro/protocol';
import { generateEncryptionKey, parseEncryptionKey, SecretBox } from '@figaro/store';
import {
  ensureTestUser,
  type SshdHandle,
  startSshd,
  startTelnetd,
  startXClient,
  startXvnc,
  TEST_USER,
  TEST_USER_PASSWORD,
  type TelnetdHandle,
  tempDir,
  type VncServerHandle,
  type XClientHandle,
} from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelTurn, type ScriptedTurn } from '../src/testing.js';
import { startScriptedSupervisor } from './support/scripted-agents.js';
import { useServerWorld } from './support/server-world.js';
import { lastToolResults, textOf } from './support/tool-results.js';
import { eventually } from './support/wait.js';

describe('supervisor desktop tools against a real orchestrator (MemoryBus + PGlite)', () => {
  const world = useServerWorld({ secrets: new SecretBox(parseEncryptionKey(generateEncryptionKey())) });
  const startSupervisor = (id: string, script: ScriptedTurn[]) => startScriptedSupervisor(world, id, script);

  describe('desktop tools through the orchestrator, on a real Xvnc desktop with sshd and telnetd', () => {
    let xvnc: VncServerHandle;
    let xterm: XClientHandle;
    let sshd: SshdHandle;
    let telnetd: TelnetdHandle;
    let work: { path: string; remove(): Promise<void> };

    beforeAll(async () => {
      await ensureTestUser();
      // 1600×1000 screen: the supervisor sees 1280×800, so its coordinates are scaled.
      [xvnc, sshd, telnetd, work] = await Promise.all([
        startXvnc({ size: { width: 1600, height: 1000 } }),
        startSshd({ passwordUsers: [TEST_USER] }),
        startTelnetd(),
        tempDir('figaro-roles-'),
      ]);
      await world.agentBus.request(Api.desktopWorkersRegister, {
        worker_id: 'sv-lab',
        novnc_url: xvnc.url,
        ssh_url: `ssh://${TEST_USER}:${TEST_USER_PASSWORD}@127.0.0.1:${sshd.port}`,
        telnet_url: `telnet://${TEST_USER}:${TEST_USER_PASSWORD}@127.0.0.1:${telnetd.port}`,
      });
      xterm = startXClient('xterm', ['-geometry', '80x20+0+0', '-e', 'bash', '--norc', '--noprofile'], {
        env: { ...xvnc.env, PS1: '$ ' },
        cwd: work.path,
      });
      // The shell is ready once a command typed into it runs.
      const ready = join(work.path, 'ready');
      await eventually(
        async () => {
          await world.agentBus.request(Api.vnc, { desktop_id: 'sv-lab', action: 'click', x: 125, y: 62 });
          await world.agentBus.request(Api.vnc, {
            desktop_id: 'sv-lab',
            action: 'type',
            text: `touch ${ready}\n`,
          });
          return readFile(ready).then(
            () => true,
            () => false,
          );
        },
        (exists) => exists,
        20_000,
      );
    }, 60_000);

    afterAll(async () => {
      await world.agentBus.request(Api.desktopWorkersRemove, { worker_id: 'sv-lab' }).catch(() => {});
      await xterm?.stop();
      await Promise.all([xvnc?.stop(), sshd?.stop(), telnetd?.stop()]);
      await work?.remove();
    });

    it('looks at a desktop, clicks and types in scaled coordinates, and runs commands over SSH and telnet', async () => {
      const file = join(work.path, 'FILE');
      const lab = { desktop_id: 'sv-lab' };
      const { model: supervisor } = await startSupervisor('sv-s5', [
        modelTurn({ toolCalls: [{ name: 'take_screenshot', input: lab }] }),
        modelTurn({
          toolCalls: [
            // (100, 50) in the 1280×800 screenshot is (125, 62) on the screen, inside the xterm.
            { name: 'click', input: { ...lab, x: 100, y: 50 } },
            { name: 'type_text', input: { ...lab, text: `echo done > ${file}` } },
            { name: 'press_key', input: { ...lab, keys: 'Return' } },
            { name: 'ssh_run_command', input: { ...lab, command: 'echo hello-ssh; exit 3' } },
            { name: 'telnet_run_command', input: { ...lab, command: 'echo hello-telnet' } },
          ],
        }),
        modelTurn({ text: 'Checked the lab desktop.' }),
      ]);
      const task = await world.agentBus.request(Api.tasksCreate, {
        prompt: 'Check the lab desktop',
        options: { target: 'supervisor' },
      });
      const done = await eventually(
        () => world.store.tasks.get(task.task_id),
        (t) => t?.status === 'completed',
        15_000,
      );
      expect(done?.result).toMatchObject({ result: 'Checked the lab desktop.' });

      const [shot] = lastToolResults(supervisor.requests[1]);
      expect(shot?.is_error).toBeUndefined();
      expect(textOf(shot?.content ?? [])).toBe('Screenshot 1280x800 (screen 1600x1000).');
      expect(shot?.content[1]).toMatchObject({
        type: 'image',
        source: { type: 'base64', media_type: 'image/png' },
      });

      const results = lastToolResults(supervisor.requests[2]);
      expect(results.map((r) => r.is_error)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(textOf(results[3]?.content ?? [])).toBe('exit status 3\nstdout:\nhello-ssh\n\nstderr:\n');
      expect(textOf(results[4]?.content ?? [])).toContain('hello-telnet');
      const written = await eventually(
        () => readFile(file, 'utf8').catch(() => ''),
        (text) => text.endsWith('\n'),
      );
      expect(written).toBe('done\n');

      // The screenshot went to the store as a blob reference.
      const events = await world.store.taskEvents.list(task.task_id);
      const stored = JSON.stringify(events.map((e) => e.payload));
      expect(stored).toContain('"source":{"type":"blob"');
      expect(stored).not.toContain('base64');
    });
  });
});
