import { tempDir } from '@figaro/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type FigaroProcess, startFigaro } from './support/figaro-process.js';

// Issue 8, defect 2: `figaro up` said "No model engine is configured" even when agents started, never
// printed what startAgents noted, and without a key did not say which variable to set.
const running: FigaroProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The original design's names would configure an engine too: blank them (empty counts as unset). */
const NO_ALIASES = {
  ANTHROPIC_API_KEY: '',
  OPENAI_API_KEY: '',
  OPENAI_BASE_URL: '',
  CLAUDE_CODE_OAUTH_TOKEN: '',
  WORKER_ENGINE: '',
  SUPERVISOR_ENGINE: '',
};

/** What `figaro up --workers 0` prints on start with `env`. */
async function upOutput(env: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const proc = startFigaro(['up', '--port', '0', '--data-dir', dir.path, '--workers', '0'], {
    ...NO_ALIASES,
    ...env,
  });
  running.push(proc);
  await proc.ready;
  return proc.stdout();
}

describe('figaro up says which agents run, and what to set when none can', () => {
  it('without a key: no agents, tasks queue, and the variable to set', async () => {
    const out = await upOutput({});
    expect(out).toContain('No agents run here: no model engine is configured, so tasks will queue');
    expect(out).toContain('To run agents, set FIGARO_ANTHROPIC_API_KEY');
    expect(out).toContain('FIGARO_WORKER_ENGINE and FIGARO_SUPERVISOR_ENGINE choose');
  }, 90_000);

  it('with different engines for the two roles: what each one needs', async () => {
    const out = await upOutput({ FIGARO_WORKER_ENGINE: 'openai' });
    expect(out).toContain(
      'the worker engine is openai (FIGARO_WORKER_ENGINE): set FIGARO_OPENAI_BASE_URL (an OpenAI-compatible server) or FIGARO_OPENAI_API_KEY',
    );
    expect(out).toContain(
      'the supervisor engine is anthropic (FIGARO_SUPERVISOR_ENGINE): set FIGARO_ANTHROPIC_API_KEY',
    );
  }, 90_000);

  it('with a key: the supervisor that started, and why no worker runs', async () => {
    const out = await upOutput({
      FIGARO_ANTHROPIC_API_KEY: 'sk-test-key',
      FIGARO_ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
    });
    expect(out).toContain('Supervisor local-supervisor takes tasks');
    expect(out).toContain('No workers run here: no --desktop was given and --workers is 0.');
    expect(out).not.toMatch(/no model engine/i);
    expect(out).not.toContain('sk-test-key');
  }, 90_000);
});
