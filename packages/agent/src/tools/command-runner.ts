import { spawn } from 'node:child_process';
import type { Bus } from '@figaro/bus';
import { Api } from '@figaro/protocol';
import { CancelledError } from '../errors.js';
import { abortable } from '../util/sleep.js';

/** What a command printed and how it ended. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when ended by a signal (timeout, cancellation). */
  exitCode: number | null;
}

/** Options of one command. */
export interface CommandOptions {
  /** Kill the command after this many milliseconds. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** Where the `shell` tool runs commands: the local machine, or a desktop over SSH. */
export interface CommandRunner {
  run(command: string, options: CommandOptions): Promise<CommandResult>;
}

/** Options of `LocalCommandRunner`. */
export interface LocalCommandRunnerOptions {
  /** Working directory (the agent's own home, never the data folder). */
  cwd: string;
  /** The complete environment of commands (nothing is inherited). */
  env: Record<string, string>;
  /** Shell that runs `-c command`; default `/bin/sh`. */
  shell?: string;
  /**
   * Run as this user through `runuser -m -u USER --`, keeping `env` (Figaro runs as root: `figaro-desktop`, never
   * root itself); absent: as this process's user.
   */
  runAs?: string;
  /** Output kept per stream, in bytes; default 100 000 (the rest is dropped). */
  maxOutputBytes?: number;
}

/**
 * Runs commands on this machine. Only for agents that are allowed a local shell
 * (`FIGARO_ALLOW_LOCAL_SHELL=true`; the composition root decides, this class does not check).
 */
export class LocalCommandRunner implements CommandRunner {
  readonly #options: LocalCommandRunnerOptions;

  constructor(options: LocalCommandRunnerOptions) {
    this.#options = options;
  }

  run(command: string, options: CommandOptions): Promise<CommandResult> {
    const limit = this.#options.maxOutputBytes ?? 100_000;
    return new Promise((resolve, reject) => {
      if (options.signal.aborted) {
        reject(new CancelledError());
        return;
      }
      const shell = [this.#options.shell ?? '/bin/sh', '-c', command];
      const [program, ...args] = this.#options.runAs
        ? ['runuser', '-m', '-u', this.#options.runAs, '--', ...shell]
        : shell;
      const child = spawn(program as string, args, {
        cwd: this.#options.cwd,
        env: this.#options.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const out = { stdout: '', stderr: '' };
      const collect = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
        if (out[key].length < limit) out[key] += chunk.toString('utf8').slice(0, limit - out[key].length);
      };
      child.stdout.on('data', collect('stdout'));
      child.stderr.on('data', collect('stderr'));
      const kill = () => {
        // The whole process group: `sh -c` children must not outlive a timeout or a cancellation.
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
        }
      };
      const timer = setTimeout(kill, options.timeoutMs);
      const onAbort = () => {
        kill();
        reject(new CancelledError());
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        resolve({ ...out, exitCode: code });
      });
    });
  }
}

/**
 * Runs commands on a desktop over SSH through the orchestrator (`figaro.api.ssh`), which holds the
 * desktop's stored credentials and pinned host key: the worker never sees them. A cancelled
 * command's result is dropped.
 */
export class OrchestratorSshRunner implements CommandRunner {
  readonly #bus: Bus;
  readonly #desktopId: string;

  constructor(bus: Bus, desktopId: string) {
    this.#bus = bus;
    this.#desktopId = desktopId;
  }

  async run(command: string, options: CommandOptions): Promise<CommandResult> {
    if (options.signal.aborted) throw new CancelledError();
    const timeout = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const reply = await abortable(
      this.#bus.request(
        Api.ssh,
        { desktop_id: this.#desktopId, action: 'run_command', command, timeout },
        { timeoutMs: (timeout + 5) * 1000 },
      ),
      options.signal,
    );
    return { stdout: reply.stdout, stderr: reply.stderr, exitCode: reply.exit_code };
  }
}
