import { Api } from '@figaro/protocol';
import {
  ensureTestUser,
  type SshdHandle,
  startSshd,
  startTelnetd,
  startXvnc,
  TEST_USER,
  TEST_USER_PASSWORD,
  type TelnetdHandle,
  type VncServerHandle,
} from '@figaro/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBackend, type Resources } from './support/harness.js';
import { recordingLogger } from './support/recording-logger.js';
import { type ServerFixture, startServerFixture } from './support/server-fixture.js';

const VNC_PASSWORD = 'vncpw42';

describe('desktop operations through the orchestrator (figaro.api.vnc, ssh, telnet)', () => {
  const backend = embeddedBackend();
  const log = recordingLogger();
  let fixture: ServerFixture;
  let resources: Resources;
  let xvnc: VncServerHandle;
  let sshd: SshdHandle;
  let telnetd: TelnetdHandle;

  beforeAll(async () => {
    await backend.beforeAll();
    await ensureTestUser();
    [xvnc, sshd, telnetd] = await Promise.all([
      startXvnc({ password: VNC_PASSWORD }),
      startSshd({ passwordUsers: [TEST_USER] }),
      startTelnetd(),
    ]);
    fixture = await startServerFixture(backend, { logger: log.logger, ownsBackend: false });
    ({ resources } = fixture);
    await resources.agentBus.request(Api.desktopWorkersRegister, {
      worker_id: 'lab-1',
      novnc_url: xvnc.url,
      vnc_password: VNC_PASSWORD,
      ssh_url: `ssh://${TEST_USER}:${TEST_USER_PASSWORD}@127.0.0.1:${sshd.port}`,
      telnet_url: `telnet://${TEST_USER}:${TEST_USER_PASSWORD}@127.0.0.1:${telnetd.port}`,
    });
  }, 60_000);

  afterAll(async () => {
    await fixture?.close();
    await Promise.all([xvnc?.stop(), sshd?.stop(), telnetd?.stop()]);
    await backend.afterAll();
  });

  it('takes a screenshot of a password-protected desktop with its stored credentials', async () => {
    const reply = await resources.agentBus.request(Api.vnc, {
      desktop_id: 'lab-1',
      action: 'screenshot',
      max_width: 640,
    });
    if (!('image' in reply)) throw new Error('expected a screenshot');
    expect(reply).toMatchObject({
      original_width: xvnc.width,
      original_height: xvnc.height,
      width: 640,
      mime_type: 'image/png',
    });
    const meta = await sharp(Buffer.from(String(reply.image), 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([reply.width, reply.height]);
    expect(JSON.stringify(reply)).not.toContain(VNC_PASSWORD);
    const workers = await resources.agentBus.request(Api.workers, {});
    expect(JSON.stringify(workers)).not.toContain(VNC_PASSWORD);
    expect(log.lines.join('\n')).not.toContain(VNC_PASSWORD);
  });

  it('runs a command over SSH and over telnet with the stored passwords', async () => {
    const ssh = await resources.agentBus.request(Api.ssh, {
      desktop_id: 'lab-1',
      action: 'run_command',
      command: 'echo hello-ssh; exit 3',
    });
    expect(ssh).toEqual({ stdout: 'hello-ssh\n', stderr: '', exit_code: 3 });
    const telnet = await resources.agentBus.request(Api.telnet, {
      desktop_id: 'lab-1',
      action: 'run_command',
      command: 'echo hello-telnet',
    });
    expect(telnet.output.trim()).toBe('hello-telnet');
    expect(JSON.stringify([ssh, telnet])).not.toContain(TEST_USER_PASSWORD);
  });

  it('answers not_found for an unknown desktop', async () => {
    await expect(
      resources.agentBus.request(Api.vnc, { desktop_id: 'nope', action: 'screenshot' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
