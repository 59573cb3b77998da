import { join } from 'node:path';
import { freePort, waitForPort } from '../free-port.js';
import { stopProcess } from '../process.js';
import { tempDir } from '../temp-dir.js';
import { writeTigerVncPasswordFile } from './vnc-password.js';
import type { VncServerHandle, VncServerOptions } from './vnc-server-handle.js';
import { startXServer, xEnv } from './x-display.js';

/**
 * Starts TigerVNC's Xvnc (X server and VNC server in one process) on a free display and a free RFB
 * port bound to 127.0.0.1, with VncAuth when a password is given and None otherwise.
 * Mind that Xvnc refuses every connection for ~10 s after 5 bad passwords.
 */
export async function startXvnc(options: VncServerOptions = {}): Promise<VncServerHandle> {
  const { width, height } = options.size ?? { width: 1280, height: 800 };
  const dir = await tempDir('figaro-xvnc-');
  try {
    const security: string[] = ['-SecurityTypes', 'None'];
    if (options.password !== undefined) {
      const file = join(dir.path, 'passwd');
      await writeTigerVncPasswordFile(options.password, file);
      security.splice(0, 2, '-SecurityTypes', 'VncAuth', '-PasswordFile', file);
    }
    const port = await freePort();
    const server = await startXServer('Xvnc', () => [
      '-geometry',
      `${width}x${height}`,
      '-depth',
      '24',
      '-rfbport',
      String(port),
      '-localhost',
      '-interface',
      '127.0.0.1',
      '-nolisten',
      'tcp',
      '-AlwaysShared',
      ...security,
    ]);
    try {
      await waitForPort(port);
    } catch (err) {
      await stopProcess(server.child);
      throw new Error(`Xvnc did not listen on ${port}: ${server.output()}`, { cause: err });
    }
    const display = `:${server.number}`;
    let stopped: Promise<void> | undefined;
    return {
      display,
      port,
      url: `vnc://127.0.0.1:${port}`,
      ...(options.password !== undefined ? { password: options.password } : {}),
      width,
      height,
      env: xEnv(display),
      stop: () => {
        stopped ??= stopProcess(server.child).then(() => dir.remove());
        return stopped;
      },
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}
