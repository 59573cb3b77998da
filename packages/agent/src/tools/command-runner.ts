import { spawn } from 'node:child_process';
import { runSshCommand, type SshCommandOptions } from '@figaro/desktop';
import { CancelledError } from '../errors.js';

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
      const child = spawn(this.#options.shell ?? '/bin/sh', ['-c', command], {
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

/** Runs commands on a desktop over SSH (`runSshCommand`); a cancelled command's result is dropped. */
export class SshCommandRunner implements CommandRunner {
  readonly #connection: Omit<SshCommandOptions, 'command' | 'timeoutMs'>;

  constructor(connection: Omit<SshCommandOptions, 'command' | 'timeoutMs'>) {
    this.#connection = connection;
  }

  async run(command: string, options: CommandOptions): Promise<CommandResult> {
    if (options.signal.aborted) throw new CancelledError();
    const result = await runSshCommand({ ...this.#connection, command, timeoutMs: options.timeoutMs });
    if (options.signal.aborted) throw new CancelledError();
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exit_code };
  }
}
