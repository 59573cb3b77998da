import { readFileSync } from 'node:fs';

/**
 * The CLI's version, from its package.json (next to `src/` when run from source, two folders up from
 * `dist/src/` when built).
 */
export function cliVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (parsed.name === '@figaro/cli' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not this one: try the next folder up.
    }
  }
  return 'unknown';
}
