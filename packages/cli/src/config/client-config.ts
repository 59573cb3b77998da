import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, loadEnv } from './load.js';
import { defaultDataDir } from './up-config.js';

/** Where the client commands find Figaro when `FIGARO_URL` is unset. */
export const DEFAULT_FIGARO_URL = 'http://127.0.0.1:8000';

/** Name of the file in the data folder where `figaro up` writes the CLI's API token. */
export const TOKEN_FILE = 'token';

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      url.password === ''
    );
  } catch {
    return false;
  }
}

/** Environment of the client commands (`figaro task …`, `figaro workers`, `figaro desktop …`). */
export const ClientEnv = z.object({
  FIGARO_URL: z
    .string()
    .refine(
      isHttpUrl,
      'must be an http:// or https:// URL with no user, password or query, e.g. http://127.0.0.1:8000',
    )
    .optional(),
  FIGARO_API_TOKEN: z.string().trim().min(1, 'must not be blank').optional(),
  FIGARO_DATA_DIR: z.string().optional(),
});
export type ClientEnv = z.infer<typeof ClientEnv>;

/** Where the API token comes from. */
export type TokenSource = { kind: 'env'; token: string } | { kind: 'file'; path: string };

/** What the client commands need, before any file is read. */
export interface ClientConfig {
  /** Figaro's base URL without a trailing slash (`http://127.0.0.1:8000`). */
  baseUrl: string;
  token: TokenSource;
}

/**
 * Parses the client environment once, listing every problem at once (`ConfigError`, exit 2). The
 * token is `FIGARO_API_TOKEN`, else the file `$FIGARO_DATA_DIR/token` (default data folder as for
 * `figaro up`), which `resolveToken` reads.
 */
export function loadClientConfig(env: NodeJS.ProcessEnv): ClientConfig {
  const parsed = loadEnv(ClientEnv, env);
  const baseUrl = (parsed.FIGARO_URL ?? DEFAULT_FIGARO_URL).replace(/\/+$/, '');
  const token: TokenSource = parsed.FIGARO_API_TOKEN
    ? { kind: 'env', token: parsed.FIGARO_API_TOKEN }
    : { kind: 'file', path: join(resolve(parsed.FIGARO_DATA_DIR ?? defaultDataDir(env)), TOKEN_FILE) };
  return { baseUrl, token };
}

/**
 * The API token itself. A missing, unreadable or empty token file is a `ConfigError` that says how to
 * provide a token.
 */
export async function resolveToken(source: TokenSource): Promise<string> {
  if (source.kind === 'env') return source.token;
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code || 'unknown error'})`;
    throw new ConfigError([
      `no API token: FIGARO_API_TOKEN is not set and ${source.path} ${why}. ` +
        'Set FIGARO_API_TOKEN, or point FIGARO_DATA_DIR at the data folder where `figaro up` wrote its token.',
    ]);
  }
  const token = text.trim();
  if (token === '') throw new ConfigError([`no API token: ${source.path} is empty; set FIGARO_API_TOKEN`]);
  return token;
}
