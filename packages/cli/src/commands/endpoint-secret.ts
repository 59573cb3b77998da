import type { CommandContext } from './io.js';
import { UsageError } from './io.js';
import { readSecret } from './read-secret.js';

/**
 * The secret for a direct desktop command, never from argv: `--password-stdin`, else the variable
 * `envName`, else none. A password written into the URL is refused, since argv is visible to every
 * user of the machine (`ps`).
 */
export async function endpointSecret(
  url: string,
  passwordStdin: boolean | undefined,
  envName: string,
  { env, io }: CommandContext,
): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.password) {
    throw new UsageError(
      `put no password in the URL (it would show in the process list); use --password-stdin or ${envName}`,
    );
  }
  if (passwordStdin) return readSecret(io.stdin, (text) => io.err(text), 'password');
  const fromEnv = env[envName];
  return fromEnv && fromEnv.length > 0 ? fromEnv : undefined;
}

/** An integer argument, or a usage error naming it. */
export function intArg(text: string | undefined, name: string): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value))
    throw new UsageError(`${name} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}
