import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FigaroProcess, interrupt, startFigaro } from './support/figaro-process.js';

const VNC_PASSWORD = 'clipw123';

/** Runs a figaro command to its end. */
async function figaro(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const proc = startFigaro(args, env);
  const code = await proc.exited;
  return { code, out: proc.stdout(), err: proc.stderr() };
}

/** Polls a file until it has content (bounded). */
async function fileContent(path: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.length > 0) return text;
    if (Date.now() > deadline) throw new Error(`${path} stayed empty`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('figaro vnc / ssh / telnet / desktop start (direct, no orchestrator)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let xvnc: VncServerHandle;
  let xterm: XClientHandle;
  let sshd: SshdHandle;
  let telnetd: TelnetdHandle;

  beforeAll(async () => {
    dir = await tempDir();
    await ensureTestUser();
    [xvnc, sshd, telnetd] = await Promise.all([
      startXvnc({ password: VNC_PASSWORD }),
      startSshd(),
      startTelnetd(),
    ]);
    // A full-screen xterm, so that a click anywhere focuses it.
    xterm = startXClient('xterm', ['-geometry', '200x60+0+0', '-e', 'bash', '--norc', '--noprofile'], {
      env: xvnc.env,
      cwd: dir.path,
    });
  }, 60_000);

  afterAll(async () => {
    await xterm?.stop();
    await Promise.all([xvnc?.stop(), sshd?.stop(), telnetd?.stop()]);
    await dir?.remove();
  });

  it('saves a scaled screenshot, with the password from the environment', async () => {
    const file = join(dir.path, 'shot.png');
    const result = await figaro(['vnc', 'screenshot', xvnc.url, '-o', file, '--width', '640'], {
      FIGARO_VNC_PASSWORD: VNC_PASSWORD,
    });
    expect(result.code).toBe(0);
    const meta = await sharp(file).metadata();
    expect(meta.width).toBe(640);
    expect(result.out).toContain(`screen ${xvnc.width}×${xvnc.height}`);
  });

  it('refuses a password in the URL and reports a wrong one as unauthorized', async () => {
    const inUrl = await figaro([
      'vnc',
      'screenshot',
      xvnc.url.replace('vnc://', 'vnc://:pw@'),
      '-o',
      '/dev/null',
    ]);
    expect(inUrl.code).toBe(2);
    expect(inUrl.err).toContain('--password-stdin');
    const wrong = await figaro(['vnc', 'screenshot', xvnc.url, '-o', '/dev/null'], {
      FIGARO_VNC_PASSWORD: 'wrong-pw',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('unauthorized');
    expect(wrong.err).not.toContain('wrong-pw');
  });

  it('clicks, types and presses Return in an xterm', async () => {
    const env = { FIGARO_VNC_PASSWORD: VNC_PASSWORD };
    const file = join(dir.path, 'typed.txt');
    expect((await figaro(['vnc', 'click', xvnc.url, '300', '300'], env)).code).toBe(0);
    expect((await figaro(['vnc', 'type', xvnc.url, `echo ok > ${file}`], env)).code).toBe(0);
    expect((await figaro(['vnc', 'key', xvnc.url, 'Return'], env)).code).toBe(0);
    expect((await fileContent(file)).trim()).toBe('ok');
  });

  it('runs a command over SSH with a key and exits with its status', async () => {
    const key = join(dir.path, 'id_ed25519');
    await writeFile(key, sshd.rootPrivateKey, { mode: 0o600 });
    const result = await figaro([
      'ssh',
      'run',
      `ssh://root@127.0.0.1:${sshd.port}`,
      'echo hi-ssh; exit 4',
      '--identity',
      key,
    ]);
    expect(result.code).toBe(4);
    expect(result.out).toBe('hi-ssh\n');
  });

  it('runs a command over telnet with the password from the environment', async () => {
    const result = await figaro(
      ['telnet', 'run', `telnet://${TEST_USER}@127.0.0.1:${telnetd.port}`, 'echo hi-telnet'],
      {
        FIGARO_TELNET_PASSWORD: TEST_USER_PASSWORD,
      },
    );
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe('hi-telnet');
    expect(result.out + result.err).not.toContain(TEST_USER_PASSWORD);
  });

  it('starts a local desktop, prints its URL, and stops it on Ctrl-C', async () => {
    const proc: FigaroProcess = startFigaro(['desktop', 'start', '--size', '1024x768']);
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /running: (vnc:\/\/\S+)/.exec(proc.stdout());
        if (match?.[1]) resolve(match[1]);
      };
      proc.child.stdout?.on('data', check);
      void proc.exited.then((code) => reject(new Error(`exited ${code}: ${proc.stderr()}`)));
    });
    const file = join(dir.path, 'local.png');
    expect((await figaro(['vnc', 'screenshot', url, '-o', file])).code).toBe(0);
    const meta = await sharp(file).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 768]);
    const stopped = await interrupt(proc);
    expect(stopped.code).toBe(0);
  }, 60_000);
});
