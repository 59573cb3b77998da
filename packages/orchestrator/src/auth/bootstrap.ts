import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile } from 'node:fs/promises';
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

/** Files of the data folder that hold secrets (or say where a server runs): always mode 0600. */
const SECRET_FILES = ['admin-password', 'token', 'encryption-key', 'url'] as const;

/**
 * Makes the data folder readable by its owner only, on every start and not just when it is created:
 * the folder 0700 (and the PGlite database folder in it), every file of `SECRET_FILES` that exists
 * 0600. A secret file that is a symbolic link is refused: secrets are never written through one.
 */
async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const database = join(dataDir, 'pglite');
  if ((await lstat(database).catch(() => null))?.isDirectory()) await chmod(database, 0o700);
  for (const name of SECRET_FILES) {
    const file = join(dataDir, name);
    const stats = await lstat(file).catch(() => null);
    if (!stats) continue;
    if (stats.isSymbolicLink()) throw new Error(`${file} is a symbolic link; remove it`);
    if ((stats.mode & 0o777) !== 0o600) await chmod(file, 0o600);
  }
}

/**
 * Writes a secret file with mode 0600, also over an existing file with a looser mode, and never
 * through a symbolic link (O_NOFOLLOW). `exclusive`: fail if the file exists.
 */
export async function writeSecretFile(path: string, text: string, exclusive = false): Promise<void> {
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (exclusive ? constants.O_EXCL : constants.O_TRUNC);
  const handle = await open(path, flags, 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** The admin user's name. */
export const ADMIN_USER = 'admin';
/** Name of the API token `figaro up` makes for the CLI. */
export const CLI_TOKEN_NAME = 'cli';

/**
 * Creates the admin user and an API token the first time, and only then. `adminPassword` and
 * `apiToken` (from `FIGARO_ADMIN_PASSWORD` / `FIGARO_API_TOKEN`) apply only when none is stored;
 * otherwise, with a data folder, secrets are generated and written there with mode 0600
 * (`admin-password`, `token`). Only hashes are stored. With a data folder, it and its secret files
 * are made private first (`secureDataDir`), whatever modes they had.
 */
export async function bootstrapCredentials(
  store: Store,
  options: { dataDir?: string; adminPassword?: string; apiToken?: string; logger: Logger },
): Promise<BootstrapReport> {
  if (options.dataDir) await secureDataDir(options.dataDir);
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
      await writeSecretFile(report.adminPasswordFile, `${password}\n`);
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
      await writeSecretFile(report.tokenFile, `${token}\n`);
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
  await secureDataDir(options.dataDir);
  const file = join(options.dataDir, 'encryption-key');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    return { key: parseEncryptionKey(stored, file), generated: false, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = generateEncryptionKey();
  await writeSecretFile(file, `${text}\n`, true);
  return { key: parseEncryptionKey(text, file), generated: true, file };
}
