import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built `figaro` binary; `npm test` builds it before the tests run. */
export const FIGARO_BIN = fileURLToPath(new URL('../../bin/figaro.js', import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface FigaroProcess {
  child: ChildProcess;
  /** Resolves with the URL printed on start, or rejects with the output if the process exits first. */
  ready: Promise<string>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code when the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `figaro ARGS` with `env` (no inherited FIGARO_ variables). */
export function startFigaro(args: string[], env: Record<string, string> = {}): FigaroProcess {
  if (!existsSync(BUILT_MAIN))
    throw new Error('the CLI is not built: run `npm run build` (npm test does it)');
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FIGARO_')) base[key] = value;
  const child = spawn(process.execPath, [FIGARO_BIN, ...args], {
    env: { ...base, FIGARO_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /running at (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`figaro exited with ${code}\nstdout: ${out}\nstderr: ${err}`)),
    );
  });
  ready.catch(() => {});
  return { child, ready, exited, stdout: () => out, stderr: () => err };
}

/** Sends SIGINT and measures how long the process takes to exit. */
export async function interrupt(proc: FigaroProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  proc.child.kill('SIGINT');
  const code = await proc.exited;
  return { code, ms: Date.now() - started };
}
