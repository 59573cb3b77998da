import { join } from 'node:path';
import { freePort, waitForPort } from '../free-port.js';
import { stopProcess } from '../process.js';
import { tempDir } from '../temp-dir.js';
import { writeTigerVncPasswordFile } from './vnc-password.js';
import type { VncServerHandle, VncServerOptions } from './vnc-server-handle.js';
import { startXServer, xEnv } from './x-display.js';

/** How `startXvncWith` sets up Xvnc's security (internal to the Xvnc fixtures). */
export interface XvncSecurity {
  /** Prefix of the fixture's temp folder, removed when the server stops. */
  tempPrefix: string;
  /**
   * The security arguments (`-SecurityTypes …` and any files they need, made in `dir`); a
   * `-PasswordFile` follows them when a password is given.
   */
  args(dir: string): Promise<string[]> | string[];
}

/**
 * Starts Xvnc on a free display and a free RFB port bound to 127.0.0.1 with the given security
 * arguments, and writes the TigerVNC password file when a password is given. Shared by `startXvnc`
 * and `startXvncTls`; not exported from the package.
 */
export async function startXvncWith(
  security: XvncSecurity,
  options: VncServerOptions = {},
): Promise<VncServerHandle> {
  const { width, height } = options.size ?? { width: 1280, height: 800 };
  const dir = await tempDir(security.tempPrefix);
  try {
    const args = await security.args(dir.path);
    if (options.password !== undefined) {
      const file = join(dir.path, 'passwd');
      await writeTigerVncPasswordFile(options.password, file);
      args.push('-PasswordFile', file);
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
      ...args,
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

/**
 * Starts TigerVNC's Xvnc (X server and VNC server in one process) on a free display and a free RFB
 * port bound to 127.0.0.1, with VncAuth when a password is given and None otherwise.
 * Mind that Xvnc refuses every connection for ~10 s after 5 bad passwords.
 */
export async function startXvnc(options: VncServerOptions = {}): Promise<VncServerHandle> {
  return startXvncWith(
    {
      tempPrefix: 'figaro-xvnc-',
      args: () => ['-SecurityTypes', options.password !== undefined ? 'VncAuth' : 'None'],
    },
    options,
  );
}
