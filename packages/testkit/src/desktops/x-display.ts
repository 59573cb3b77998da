import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A started X server (Xvnc or Xvfb) and the display number it owns. */
export interface XServerProcess {
  /** Display number, e.g. 23 for `:23`. */
  number: number;
  child: ChildProcess;
  /** The server's last 64 KiB of output, for error messages. */
  output(): string;
}

/** Environment for X clients on `display`: the test process's environment with DISPLAY replaced. */
export function xEnv(display: string): NodeJS.ProcessEnv {
  return { ...process.env, DISPLAY: display };
}

/** True when neither the display's socket nor its lock file exists (a display nobody holds). */
export function displayLooksFree(n: number): boolean {
  return !existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`);
}

/**
 * Starts an X server on the first display number that looks free, from a random base so that
 * parallel test files rarely race; when the server loses a race anyway (it exits early), the next
 * number is tried. Readiness comes from `-displayfd`: the server writes its display number to fd 3
 * once it accepts connections, so no sleep is needed.
 */
export async function startXServer(
  command: string,
  argsFor: (display: number) => string[],
  options: { timeoutMs?: number; attempts?: number } = {},
): Promise<XServerProcess> {
  const attempts = options.attempts ?? 8;
  let n = 20 + Math.floor(Math.random() * 400);
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++, n++) {
    while (!displayLooksFree(n)) n++;
    try {
      return await spawnOnDisplay(command, [`:${n}`, '-displayfd', '3', ...argsFor(n)], n, options.timeoutMs);
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`${command} did not start after ${attempts} attempts`, { cause: lastError });
}

function spawnOnDisplay(
  command: string,
  args: string[],
  n: number,
  timeoutMs = 10_000,
): Promise<XServerProcess> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-65_536);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let announced = '';
    const fd3 = child.stdio[3];
    const timer = setTimeout(
      () => fail(new Error(`${command} :${n} not ready after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
    };
    const fail = (err: Error) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output}`));
    };
    const onExit = (code: number | null) => fail(new Error(`${command} :${n} exited with ${code}`));
    child.once('exit', onExit);
    child.once('error', (err) => fail(err));
    fd3?.on('data', (chunk: Buffer) => {
      announced += chunk.toString('utf8');
      if (!announced.includes('\n')) return;
      cleanup();
      resolve({ number: n, child, output: () => output });
    });
  });
}
