import { type ChildProcess, spawn } from 'node:child_process';

/** A process the launcher started in its own process group, with its last output kept. */
export interface Spawned {
  name: string;
  child: ChildProcess;
  output(): string;
  /** Ends the whole process group: SIGTERM, then SIGKILL after `graceMs`. Resolves when it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of `spawnGroup`. */
export interface SpawnGroupOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Extra pipes (fd 3 …), e.g. for `-displayfd`. */
  extraPipes?: number;
}

/**
 * Starts a program as the leader of a new process group, so that stopping it also ends what it started
 * (Chromium's zygote and renderers, fluxbox's children).
 */
export function spawnGroup(
  name: string,
  command: string,
  args: string[],
  options: SpawnGroupOptions,
): Spawned {
  let output = '';
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: [
      'ignore',
      'pipe',
      'pipe',
      ...Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const),
    ],
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => keep(Buffer.from(`\n${err.message}\n`)));
  let stopped: Promise<void> | undefined;
  return {
    name,
    child,
    output: () => output,
    stop: (graceMs = 3_000) => {
      stopped ??= stopGroup(child, graceMs);
      return stopped;
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined) return;
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  // Stragglers in the group (children that ignored SIGTERM) end now.
  signalGroup(child, 'SIGKILL');
  await exited;
}
