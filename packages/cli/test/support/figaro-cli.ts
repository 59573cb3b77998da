import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIGARO_BIN } from './figaro-process.js';

const BUILT_MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/** A client command that ran to its end. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A client command still running (`--wait`). */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once standard output or standard error matches; rejects if the process exits first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  /** Resolves when the process has exited, with what it printed. */
  result: Promise<CliResult>;
}

/** Options of `spawnCli`. */
export interface SpawnCliOptions {
  /** Written to standard input, which is then closed. Default: standard input closed at once. */
  input?: string;
}

/** Starts `figaro ARGS` with `env` only (no inherited FIGARO_ variables), standard input piped. */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  options: SpawnCliOptions = {},
): CliProcess {
  if (!existsSync(BUILT_MAIN)) throw new Error('the CLI is not built: run `npm run build`');
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FIGARO_')) base[key] = value;
  const child = spawn(process.execPath, [FIGARO_BIN, ...args], {
    env: { ...base, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const onChunk = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    output[stream] += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onChunk('stdout'));
  child.stderr?.on('data', onChunk('stderr'));
  child.stdin?.on('error', () => {});
  child.stdin?.end(options.input ?? '');
  const result = new Promise<CliResult>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout: output.stdout, stderr: output.stderr })),
  );
  const waitFor = (pattern: RegExp, stream?: 'stdout' | 'stderr') =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const text = stream ? output[stream] : `${output.stdout}\n${output.stderr}`;
        const match = pattern.exec(text);
        if (!match) return false;
        listeners.delete(check);
        resolve(match);
        return true;
      };
      if (check()) return;
      listeners.add(check);
      void result.then(() => {
        if (listeners.delete(check)) {
          reject(
            new Error(
              `figaro exited before printing ${pattern}\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
            ),
          );
        }
      });
    });
  return { child, stdout: () => output.stdout, stderr: () => output.stderr, waitFor, result };
}

/** Runs `figaro ARGS` to its end. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: SpawnCliOptions = {},
): Promise<CliResult> {
  return spawnCli(args, env, options).result;
}
