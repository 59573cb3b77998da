import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A local account with a known password, for SSH password and telnet login tests. */
export interface TestUser {
  name: string;
  password: string;
}

/** Name of the account the test kit creates; never a real person's account. */
export const TEST_USER = 'figaro-test';
/** Its password: a test-only secret, set on every call (the account exists for tests only). */
export const TEST_USER_PASSWORD = 'figaro-test-pw-1';

let ensured: Promise<TestUser> | undefined;

/**
 * Makes sure the dedicated account `figaro-test` exists (`useradd -m -s /bin/bash` when missing) and
 * has the known password (`chpasswd`). Needs root, as in CI; rejects otherwise, with the reason, so
 * the caller can skip. Safe when several test files call it at once (a lost `useradd` race is fine).
 */
export function ensureTestUser(): Promise<TestUser> {
  ensured ??= (async () => {
    if (process.getuid?.() !== 0) throw new Error(`creating the ${TEST_USER} account needs root`);
    const exists = () =>
      run('id', ['-u', TEST_USER]).then(
        () => true,
        () => false,
      );
    if (!(await exists())) {
      await run('useradd', ['-m', '-s', '/bin/bash', TEST_USER]).catch(async (err: unknown) => {
        if (!(await exists())) throw err;
      });
    }
    await new Promise<void>((resolve, reject) => {
      const child = execFile('chpasswd', (err) => (err ? reject(err) : resolve()));
      child.stdin?.end(`${TEST_USER}:${TEST_USER_PASSWORD}\n`);
    });
    return { name: TEST_USER, password: TEST_USER_PASSWORD };
  })();
  ensured.catch(() => {
    ensured = undefined;
  });
  return ensured;
}
