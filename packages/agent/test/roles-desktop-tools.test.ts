import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryBroker, MemoryBus } from '@figaro/bus';
import { type OrchestratorServer, startOrchestratorServer } from '@figaro/orchestrator';
import { Api, type BlobRef, silentLogger } from '@figaro/protocol';
import { generateEncryptionKey, openStore, parseEncryptionKey, SecretBox, type Store } from '@figaro/store';
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
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentRuntime, createSupervisorExecutor, type ModelTurn, type UploadImage } from '../src/index.js';
import { modelTurn, ScriptedModel, type ScriptedTurn } from '../src/testing.js';

/** Polls until `accept` holds (bounded), returning the last value read. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const upload: UploadImage = async (data, mediaType): Promise<BlobRef> => ({
  type: 'blob',
  sha256: createHash('sha256').update(data).digest('hex'),
  media_type: mediaType,
});

/** The tool results of a request's last user message. */
function lastToolResults(turn: ModelTurn | undefined) {
  return (turn?.messages.at(-1)?.content ?? []).flatMap((p) => (p.type === 'tool_result' ? [p] : []));
}

function textOf(content: Array<{ type: string; text?: string }>): string {
  return content.flatMap((c) => (c.type === 'text' && c.text ? [c.text] : [])).join('\n');
}

describe('supervisor desktop tools against a real orchestrator (MemoryBus + PGlite)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let store: Store;
  let orchestratorBus: MemoryBus;
  let agentBus: MemoryBus;
  let server: OrchestratorServer;
  const runtimes: AgentRuntime[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    store = await openStore({
      kind: 'pglite',
      dataDir: dir.path,
      logger: silentLogger,
      secrets: new SecretBox(parseEncryptionKey(generateEncryptionKey())),
    });
    const broker = new MemoryBroker();
    orchestratorBus = new MemoryBus({ broker });
    agentBus = new MemoryBus({ broker });
    server = await startOrchestratorServer({
      bus: orchestratorBus,
      store,
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      config: { sweepIntervalMs: 200, outboxIntervalMs: 200, acceptTimeoutMs: 1_000 },
    });
  });
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) await runtime.stop();
  });
  afterAll(async () => {
    await server.stop();
    await agentBus.close();
    await orchestratorBus.close();
    await store.close();
    await dir.remove();
  });

  async function startSupervisor(id: string, script: ScriptedTurn[]) {
    const model = new ScriptedModel(script);
    const runtime = new AgentRuntime({
      bus: agentBus,
      id,
      kind: 'supervisor',
      execute: createSupervisorExecutor({
        model,
        modelName: 'claude-sonnet-4-6',
        bus: agentBus,
        supervisorId: id,
        uploadImage: upload,
      }),
      logger: silentLogger,
      heartbeatMs: 500,
    });
    runtimes.push(runtime);
    await runtime.start();
    return model;
  }

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
      await agentBus.request(Api.desktopWorkersRegister, {
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
          await agentBus.request(Api.vnc, { desktop_id: 'sv-lab', action: 'click', x: 125, y: 62 });
          await agentBus.request(Api.vnc, { desktop_id: 'sv-lab', action: 'type', text: `touch ${ready}\n` });
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
      await agentBus.request(Api.desktopWorkersRemove, { worker_id: 'sv-lab' }).catch(() => {});
      await xterm?.stop();
      await Promise.all([xvnc?.stop(), sshd?.stop(), telnetd?.stop()]);
      await work?.remove();
    });

    it('looks at a desktop, clicks and types in scaled coordinates, and runs commands over SSH and telnet', async () => {
      const file = join(work.path, 'FILE');
      const lab = { desktop_id: 'sv-lab' };
      const supervisor = await startSupervisor('sv-s5', [
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
      const task = await agentBus.request(Api.tasksCreate, {
        prompt: 'Check the lab desktop',
        options: { target: 'supervisor' },
      });
      const done = await eventually(
        () => store.tasks.get(task.task_id),
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
      const events = await store.taskEvents.list(task.task_id);
      const stored = JSON.stringify(events.map((e) => e.payload));
      expect(stored).toContain('"source":{"type":"blob"');
      expect(stored).not.toContain('base64');
    });
  });
});
