import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startProcess, stopProcess } from '../process.js';

const run = promisify(execFile);

/** An X client started on a test display. */
export interface XClientHandle {
  pid: number | undefined;
  /** Everything the client printed so far (last 64 KiB), e.g. xev's event log. */
  output(): string;
  /** Resolves once `predicate(output())` holds, or rejects after `timeoutMs` with the output. */
  waitForOutput(predicate: (output: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Starts an X client (xterm, xev, …) with `env` from a VNC server fixture (DISPLAY set). */
export function startXClient(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): XClientHandle {
  const proc = startProcess(command, args, options);
  // Processes that exit on their own must not crash the test run with an unhandled 'error'.
  proc.child.on('error', () => {});
  return {
    pid: proc.child.pid,
    output: proc.output,
    waitForOutput: (predicate, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(proc.output())) return false;
          clearTimeout(timer);
          proc.child.stdout?.off('data', onData);
          proc.child.stderr?.off('data', onData);
          resolve(proc.output());
          return true;
        };
        const onData = () => {
          // The fixture's own listener keeps output; ours runs after it on the same event.
          setImmediate(check);
        };
        const timer = setTimeout(() => {
          proc.child.stdout?.off('data', onData);
          proc.child.stderr?.off('data', onData);
          reject(new Error(`${command} output did not match within ${timeoutMs} ms:\n${proc.output()}`));
        }, timeoutMs);
        if (check()) return;
        proc.child.stdout?.on('data', onData);
        proc.child.stderr?.on('data', onData);
      }),
    stop: () => stopProcess(proc.child, 'SIGTERM', 2_000),
  };
}

/** Runs an X command (xsetroot, xdotool, …) to completion on the fixture's display. */
export async function runXCommand(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv },
): Promise<string> {
  const { stdout } = await run(command, [...args], { env: options.env });
  return stdout;
}
