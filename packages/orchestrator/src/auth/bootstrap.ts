import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@figaro/protocol';
import { generateEncryptionKey, generateToken, parseEncryptionKey, type Store } from '@figaro/store';

/** What bootstrapping created, for the start banner (paths, never secrets). */
export interface BootstrapReport {
  adminCreated: boolean;
  /** Where a generated admin password was written (0600), if one was generated. */
  adminPasswordFile: string | null;
  tokenCreated: boolean;
  /** Where a generated CLI token was written (0600), if one was generated. */
  tokenFile: string | null;
}

/** The admin user's name. */
export const ADMIN_USER = 'admin';
/** Name of the API token `figaro up` makes for the CLI. */
export const CLI_TOKEN_NAME = 'cli';

/**
 * Creates the admin user and an API token the first time, and only then. `adminPassword` and
 * `apiToken` (from `FIGARO_ADMIN_PASSWORD` / `FIGARO_API_TOKEN`) apply only when none is stored;
 * otherwise, with a data folder, secrets are generated and written there with mode 0600
 * (`admin-password`, `token`). Only hashes are stored.
 */
export async function bootstrapCredentials(
  store: Store,
  options: { dataDir?: string; adminPassword?: string; apiToken?: string; logger: Logger },
): Promise<BootstrapReport> {
  const report: BootstrapReport = {
    adminCreated: false,
    adminPasswordFile: null,
    tokenCreated: false,
    tokenFile: null,
  };
  if ((await store.auth.count()) === 0) {
    let password = options.adminPassword;
    if (!password && options.dataDir) {
      password = randomBytes(18).toString('base64url');
      report.adminPasswordFile = join(options.dataDir, 'admin-password');
      await writeFile(report.adminPasswordFile, `${password}\n`, { mode: 0o600 });
    }
    if (password) {
      await store.auth.createUser(ADMIN_USER, password);
      report.adminCreated = true;
    } else {
      options.logger.warn({}, 'no admin user exists: set FIGARO_ADMIN_PASSWORD to create one');
    }
  }
  const tokens = await store.auth.listTokens();
  if (!tokens.some((t) => t.name === CLI_TOKEN_NAME && !t.revoked_at)) {
    let token = options.apiToken;
    if (!token && options.dataDir) {
      token = generateToken();
      report.tokenFile = join(options.dataDir, 'token');
      await writeFile(report.tokenFile, `${token}\n`, { mode: 0o600 });
    }
    if (token) {
      await store.auth.createToken(CLI_TOKEN_NAME, ['admin', 'api'], { token });
      report.tokenCreated = true;
    }
  }
  return report;
}

/**
 * The master key for secrets at rest: `FIGARO_ENCRYPTION_KEY` when set; otherwise, only where a data
 * folder may hold it (embedded `figaro up`), the key in `<dataDir>/encryption-key`, generated on first
 * use. `generated` says whether this call made it.
 */
export async function resolveEncryptionKey(options: {
  configured?: string;
  dataDir?: string;
}): Promise<{ key: Buffer; generated: boolean; file: string | null }> {
  if (options.configured)
    return {
      key: parseEncryptionKey(options.configured, 'FIGARO_ENCRYPTION_KEY'),
      generated: false,
      file: null,
    };
  if (!options.dataDir)
    throw new Error('FIGARO_ENCRYPTION_KEY is required (64 hex characters or base64 of 32 bytes)');
  const file = join(options.dataDir, 'encryption-key');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    return { key: parseEncryptionKey(stored, file), generated: false, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = generateEncryptionKey();
  await writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  return { key: parseEncryptionKey(text, file), generated: true, file };
}
