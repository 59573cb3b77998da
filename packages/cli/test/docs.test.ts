import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

describe('docs/architecture.md', () => {
  const doc = read('docs/architecture.md');
  const workspaces: string[] = JSON.parse(read('package.json')).workspaces;

  it('lists every workspace package with its status', () => {
    for (const workspace of workspaces) {
      const name = workspace.replace('packages/', '');
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, `a row for ${name}`).toBeDefined();
      expect(row, `${name} is built`).toMatch(/\|\s*built\s*\|/);
    }
  });

  it('no longer describes the spine as unfinished', () => {
    expect(doc).not.toMatch(/runs no agents yet/);
    expect(doc).not.toMatch(/\|\s*started\s*\|/);
  });
});
