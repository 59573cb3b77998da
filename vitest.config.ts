import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = ['protocol', 'testkit', 'bus', 'store', 'desktop', 'orchestrator', 'agent', 'cli'];

/** Tests import sibling packages from source, so a test run never depends on a stale build. */
const alias = [
  { find: /^@figaro\/([a-z-]+)\/testing$/, replacement: `${root}packages/$1/src/testing.ts` },
  { find: /^@figaro\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
];

export default defineConfig({
  resolve: { alias },
  test: {
    globalSetup: [`${root}packages/testkit/src/global-setup.ts`],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: packages.map((name) => ({
      resolve: { alias },
      test: {
        name,
        root: `${root}packages/${name}`,
        include: ['test/**/*.test.ts'],
        globalSetup: [`${root}packages/testkit/src/global-setup.ts`],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
