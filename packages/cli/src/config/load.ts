import { formatIssues } from '@figaro/protocol';
import type { z } from 'zod';

/** Bad configuration: every problem found, listed together. The CLI exits with code 2 on it. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads variables through a schema once. `aliases` maps a FIGARO_ name to the original design's name
 * (e.g. FIGARO_WORKER_MODEL ← WORKER_MODEL); the FIGARO_ name wins when both are set. Empty strings
 * count as unset, as shells make it easy to export `X=`.
 */
export function loadEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
  aliases: Readonly<Record<string, string>> = {},
): z.output<S> {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (
      value !== undefined &&
      value !== '' &&
      (key.startsWith('FIGARO_') || Object.values(aliases).includes(key))
    ) {
      input[key] = value;
    }
  }
  for (const [name, alias] of Object.entries(aliases)) {
    const aliased = input[alias];
    if (input[name] === undefined && aliased !== undefined) input[name] = aliased;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues).split('; '));
  }
  return result.data;
}

/** Replaces the password of a URL with `***` so the URL can be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}
