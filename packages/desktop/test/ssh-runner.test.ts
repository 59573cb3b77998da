import { createServer, type Server, type Socket } from 'node:net';
import { ensureTestUser, freePort, type SshdHandle, startSshd, type TestUser } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHostKeyStore, parseSshUrl, runSshCommand } from '../src/index.js';

describe('runSshCommand against a private sshd', () => {
  let sshd: SshdHandle;
  let user: TestUser;

  beforeAll(async () => {
    user = await ensureTestUser();
    sshd = await startSshd({ passwordUsers: [user.name] });
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  const asRoot = () => ({
    host: sshd.host,
    port: sshd.port,
    username: 'root',
    privateKey: sshd.rootPrivateKey,
  });

  it('runs a command with key authentication and returns stdout, stderr and the exit code', async () => {
    const result = await runSshCommand({ ...asRoot(), command: 'echo out; echo err >&2; exit 3' });
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exit_code: 3 });
  });

  it('logs in with a password', async () => {
    const result = await runSshCommand({
      host: sshd.host,
      port: sshd.port,
      username: user.name,
      password: user.password,
      command: 'id -un',
    });
    expect(result).toEqual({ stdout: `${user.name}\n`, stderr: '', exit_code: 0 });
  });

  it('refuses a wrong password with unauthorized and never echoes it', async () => {
    const wrong = 'not-the-password-42';
    const started = Date.now();
    const attempt = runSshCommand({
      host: sshd.host,
      port: sshd.port,
      username: user.name,
      password: wrong,
      command: 'true',
      connectTimeoutMs: 5_000,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized' });
    const err = await attempt.catch((e: unknown) => e);
    expect(String((err as Error).message)).not.toContain(wrong);
    expect(JSON.stringify(err)).not.toContain(wrong);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('pins the host key on first use and refuses a changed one', async () => {
    const hostKeys = new MemoryHostKeyStore();
    await runSshCommand({ ...asRoot(), command: 'true', hostKeys });
    const where = `${sshd.host}:${sshd.port}`;
    expect(await hostKeys.get(where)).toBe(sshd.hostKeyFingerprint);
    // Pinned and unchanged: accepted again.
    expect((await runSshCommand({ ...asRoot(), command: 'echo again', hostKeys })).stdout).toBe('again\n');
    await hostKeys.set(where, 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await expect(runSshCommand({ ...asRoot(), command: 'true', hostKeys })).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringContaining('host key changed'),
    });
  });

  it('kills a command that outlives its timeout and reports timeout', async () => {
    const started = Date.now();
    await expect(runSshCommand({ ...asRoot(), command: 'sleep 30', timeoutMs: 300 })).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports unavailable when nothing listens and timeout when the server never speaks', async () => {
    const closedPort = await freePort();
    await expect(
      runSshCommand({ ...asRoot(), port: closedPort, command: 'true', connectTimeoutMs: 2_000 }),
    ).rejects.toMatchObject({ code: 'unavailable' });

    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = Date.now();
      await expect(
        runSshCommand({ ...asRoot(), port, command: 'true', connectTimeoutMs: 300 }),
      ).rejects.toMatchObject({ code: 'timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('parseSshUrl', () => {
  it('reads user, password, host and port', () => {
    expect(parseSshUrl('ssh://alice:p%40ss@host.example:2222')).toEqual({
      host: 'host.example',
      port: 2222,
      username: 'alice',
      password: 'p@ss',
    });
    expect(parseSshUrl('ssh://[::1]')).toEqual({ host: '::1', port: 22 });
    expect(() => parseSshUrl('vnc://x')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
