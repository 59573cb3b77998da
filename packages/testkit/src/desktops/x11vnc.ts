import { join } from 'node:path';
import { freePort, waitForPort } from '../free-port.js';
import { startProcess, stopProcess } from '../process.js';
import { tempDir } from '../temp-dir.js';
import { writeX11vncPasswordFile } from './vnc-password.js';
import type { VncServerHandle, VncServerOptions } from './vnc-server-handle.js';
import { startXServer, xEnv } from './x-display.js';

/**
 * Starts Xvfb on a free display and x11vnc serving it on a free port bound to 127.0.0.1 (IPv4 only),
 * with `-rfbauth` when a password is given and `-nopw` otherwise. x11vnc polls the screen, so it is the
 * fixture that catches stale-frame bugs.
 */
export async function startX11vnc(options: VncServerOptions = {}): Promise<VncServerHandle> {
  const { width, height } = options.size ?? { width: 1280, height: 800 };
  const dir = await tempDir('figaro-x11vnc-');
  const stops: Array<() => Promise<void>> = [() => dir.remove()];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const auth = ['-nopw'];
    if (options.password !== undefined) {
      const file = join(dir.path, 'passwd');
      await writeX11vncPasswordFile(options.password, file);
      auth.splice(0, 1, '-rfbauth', file);
    }
    const xvfb = await startXServer('Xvfb', () => [
      '-screen',
      '0',
      `${width}x${height}x24`,
      '-nolisten',
      'tcp',
    ]);
    stops.push(() => stopProcess(xvfb.child));
    const display = `:${xvfb.number}`;
    const port = await freePort();
    const vnc = startProcess(
      'x11vnc',
      [
        '-display',
        display,
        '-rfbport',
        String(port),
        '-listen',
        '127.0.0.1',
        '-noipv6',
        '-forever',
        '-shared',
      ]
        .concat(auth)
        .concat(['-quiet', '-nocmds', '-norc']),
      { env: xEnv(display) },
    );
    stops.push(() => stopProcess(vnc.child));
    try {
      await waitForPort(port);
    } catch (err) {
      throw new Error(`x11vnc did not listen on ${port}: ${vnc.output()}`, { cause: err });
    }
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
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
