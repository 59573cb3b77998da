import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { readRecordedUrl } from './data-dir.js';
import { ConfigError, loadEnv } from './load.js';
import { defaultDataDir } from './up-config.js';

/** Where the client commands find Figaro when `FIGARO_URL` is unset. */
export const DEFAULT_FIGARO_URL = 'http://127.0.0.1:8000';

/** Name of the file in the data folder where `figaro up` writes the CLI's API token. */
const TOKEN_FILE = 'token';

const HTTP_URL_RULE =
  'must be an http:// or https:// URL with no user, password or query, e.g. http://127.0.0.1:8000';

/** Whether `text` is a base URL the client accepts (http or https, no credentials, query or hash). */
export function isHttpUrl(text: string): boolean {
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
  FIGARO_URL: z.string().refine(isHttpUrl, HTTP_URL_RULE).optional(),
  FIGARO_API_TOKEN: z.string().trim().min(1, 'must not be blank').optional(),
  FIGARO_DATA_DIR: z.string().optional(),
});
export type ClientEnv = z.infer<typeof ClientEnv>;

/** Where the API token comes from. */
export type TokenSource = { kind: 'env'; token: string } | { kind: 'file'; path: string };

/** `--url` and `--data-dir` from the command line; they win over the environment. */
export interface ClientFlags {
  url?: string | undefined;
  dataDir?: string | undefined;
}

/** What the client commands need, before any file is read. */
export interface ClientConfig {
  /** The URL given with `--url` or `FIGARO_URL`, without a trailing slash; undefined: look it up. */
  url: string | undefined;
  /** The data folder: where the token file and the URL a running server recorded are. */
  dataDir: string;
  token: TokenSource;
}

/**
 * Parses the client environment and flags once, listing every problem at once (`ConfigError`, exit
 * 2). The data folder is `--data-dir`, else `FIGARO_DATA_DIR`, else the default of `figaro up`. The
 * token is `FIGARO_API_TOKEN`, else the file `<data-dir>/token`, which `resolveToken` reads.
 */
export function loadClientConfig(env: NodeJS.ProcessEnv, flags: ClientFlags = {}): ClientConfig {
  const problems: string[] = [];
  let parsed: ClientEnv | undefined;
  try {
    parsed = loadEnv(ClientEnv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (flags.url !== undefined && !isHttpUrl(flags.url)) problems.push(`--url: ${HTTP_URL_RULE}`);
  if (flags.dataDir !== undefined && flags.dataDir.trim() === '')
    problems.push('--data-dir: must not be empty');
  if (problems.length > 0 || !parsed) throw new ConfigError(problems);
  const url = flags.url ?? parsed.FIGARO_URL;
  const dataDir = resolve(flags.dataDir ?? parsed.FIGARO_DATA_DIR ?? defaultDataDir(env));
  const token: TokenSource = parsed.FIGARO_API_TOKEN
    ? { kind: 'env', token: parsed.FIGARO_API_TOKEN }
    : { kind: 'file', path: join(dataDir, TOKEN_FILE) };
  return { url: url?.replace(/\/+$/, ''), dataDir, token };
}

/**
 * Figaro's base URL: the one given (`--url`, else `FIGARO_URL`), else the one a running `figaro up`
 * or `figaro orchestrator` recorded in the data folder, else `http://127.0.0.1:8000`.
 */
export async function resolveBaseUrl(config: ClientConfig): Promise<string> {
  if (config.url !== undefined) return config.url;
  const recorded = await readRecordedUrl(config.dataDir, isHttpUrl);
  return (recorded ?? DEFAULT_FIGARO_URL).replace(/\/+$/, '');
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
        'Set FIGARO_API_TOKEN, or point FIGARO_DATA_DIR (or --data-dir) at the data folder where `figaro up` wrote its token.',
    ]);
  }
  const token = text.trim();
  if (token === '') throw new ConfigError([`no API token: ${source.path} is empty; set FIGARO_API_TOKEN`]);
  return token;
}
