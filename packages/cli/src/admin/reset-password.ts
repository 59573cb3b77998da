import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_USER } from '@figaro/orchestrator';
import type { Store } from '@figaro/store';
import { positionals } from '../commands/args.js';
import { type Command, CommandFailed, UsageError } from '../commands/io.js';
import { readSecret } from '../commands/read-secret.js';
import { isHttpUrl } from '../config/client-config.js';
import { ensurePrivateDir, readRecordedUrl, writePrivateFile } from '../config/data-dir.js';
import { loadUpConfig, type UpConfig } from '../config/up-config.js';
import { ExitCode } from '../exit-code.js';
import { createLogger } from '../logger.js';
import { openConfiguredStore } from '../runtime/backends.js';

/** Name of the file in the data folder that holds a generated admin password. */
const ADMIN_PASSWORD_FILE = 'admin-password';
const MIN_PASSWORD_LENGTH = 8;

const usage = `Usage: figaro admin reset-password [--data-dir DIR] [--password-stdin]

Sets a new password for the dashboard user "admin" (creating the user when there is none) and ends
every session the user had. It works on the store directly: PGlite in the data folder (stop \`figaro up\`
first: the embedded database takes one process at a time) or the PostgreSQL of FIGARO_DATABASE_URL
(servers may keep running). Without --password-stdin it generates a password, writes it to
DIR/admin-password (readable by you only) and prints that path, never the password. With
--password-stdin it reads the password (at least ${MIN_PASSWORD_LENGTH} characters) from standard input, or
prompts for it on a terminal, and removes an older DIR/admin-password.`;

/** `figaro admin reset-password`: a new admin password, straight in the store. */
const adminResetPassword: Command = {
  usage,
  async run(argv, { env, io }) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, 'password-stdin': { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    positionals(args, []);
    const config = loadUpConfig(env, { dataDir: values['data-dir'] });
    await checkStoreIsFree(config);
    const chosen = values['password-stdin']
      ? await readSecret(io.stdin, (text) => io.err(text), 'admin password')
      : undefined;
    if (chosen !== undefined && chosen.length < MIN_PASSWORD_LENGTH) {
      throw new UsageError(
        `--password-stdin: the password must have at least ${MIN_PASSWORD_LENGTH} characters`,
      );
    }
    const logger = createLogger(env.FIGARO_LOG_LEVEL ? config.logLevel : 'warn');
    const file = join(config.dataDir, ADMIN_PASSWORD_FILE);
    const store = await openConfiguredStore(config.store, logger);
    try {
      if (chosen !== undefined) {
        await setAdminPassword(store, chosen);
        const hadFile = existsSync(file);
        await rm(file, { force: true });
        io.out(
          `Set the password of user "${ADMIN_USER}" from standard input and ended its sessions.` +
            `${hadFile ? ` Removed the older ${file}.` : ''}\n`,
        );
        return ExitCode.ok;
      }
      // The new password reaches its file only once the store holds it.
      await ensurePrivateDir(config.dataDir);
      const password = randomBytes(18).toString('base64url');
      const pending = `${file}.${process.pid}.tmp`;
      await writePrivateFile(pending, `${password}\n`);
      try {
        await setAdminPassword(store, password);
        await rename(pending, file);
      } finally {
        await rm(pending, { force: true });
      }
      io.out(`New password of user "${ADMIN_USER}" written to ${file}; its sessions were ended.\n`);
      return ExitCode.ok;
    } finally {
      await store.close();
    }
  },
};

/**
 * The embedded database (PGlite) must not be opened by two processes: refuses while a server that
 * recorded its URL in this data folder runs, and refuses a folder that holds no database at all
 * (a mistyped --data-dir would otherwise get a new, empty one).
 */
async function checkStoreIsFree(config: UpConfig): Promise<void> {
  if (config.store.kind !== 'pglite') return;
  const running = await readRecordedUrl(config.dataDir, isHttpUrl);
  if (running !== undefined) {
    throw new CommandFailed(
      `a Figaro server (${running}) is using ${config.dataDir}; stop it first: ` +
        'the embedded database takes one process at a time',
    );
  }
  if (!existsSync(config.store.dataDir)) {
    throw new CommandFailed(
      `no Figaro database in ${config.dataDir}: is it the data folder of \`figaro up\`? ` +
        '(--data-dir or FIGARO_DATA_DIR; FIGARO_DATABASE_URL for PostgreSQL)',
    );
  }
}

/** Replaces the admin password (which ends the admin's sessions), or creates the admin user. */
async function setAdminPassword(store: Store, password: string): Promise<void> {
  if (!(await store.auth.setPassword(ADMIN_USER, password)))
    await store.auth.createUser(ADMIN_USER, password);
}

/** `figaro admin …`: maintenance on the store itself, no server needed. */
export const adminCommands: Readonly<Record<string, Command>> = { 'reset-password': adminResetPassword };
