import { connect, createServer } from 'node:net';
import { DesktopError } from '../errors.js';
import { type Spawned, type SpawnGroupOptions, spawnGroup } from './spawned.js';

/** A started X server and the display it owns. */
export interface StartedXServer {
  process: Spawned;
  /** Display number (`:N`). */
  display: number;
}

/**
 * Starts an X server (Xvnc or Xvfb) with `-displayfd 3`: the server picks a free display itself when
 * none is given (no race with other launchers) and writes its number once it accepts clients.
 */
export function startXServer(
  name: string,
  command: string,
  display: number | undefined,
  args: string[],
  options: SpawnGroupOptions,
  timeoutMs = 15_000,
): Promise<StartedXServer> {
  const proc = spawnGroup(
    name,
    command,
    [...(display !== undefined ? [`:${display}`] : []), '-displayfd', '3', ...args],
    { ...options, extraPipes: 1 },
  );
  return new Promise((resolve, reject) => {
    let announced = '';
    const timer = setTimeout(() => fail(`${name} was not ready after ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null) => fail(`${name} exited with ${code}`);
    const fail = (message: string) => {
      clearTimeout(timer);
      proc.child.off('exit', onExit);
      void proc.stop(0);
      reject(
        new DesktopError(
          'unavailable',
          `${message}: ${proc.output().trim().split('\n').slice(-5).join(' | ')}`,
        ),
      );
    };
    proc.child.once('exit', onExit);
    proc.child.stdio[3]?.on('data', (chunk: Buffer) => {
      announced += chunk.toString('utf8');
      if (!announced.includes('\n')) return;
      clearTimeout(timer);
      proc.child.off('exit', onExit);
      resolve({ process: proc, display: Number(announced.trim()) });
    });
  });
}

/** A TCP port that was free a moment ago on `host`. */
export function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once a VNC server on host:port answers with its RFB ProtocolVersion message (so it is
 * really serving, not just a socket bound early), retrying until `timeoutMs`.
 */
export async function waitForRfb(
  host: string,
  port: number,
  timeoutMs = 15_000,
  isAlive = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answersRfb(host, port)) return;
    if (!isAlive()) throw new DesktopError('unavailable', `the VNC server on ${host}:${port} exited`);
    if (Date.now() > deadline)
      throw new DesktopError('timeout', `no VNC server answered on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function answersRfb(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 12)
        done(/^RFB \d{3}\.\d{3}\n/.test(received.subarray(0, 12).toString('latin1')));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}
