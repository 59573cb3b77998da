import { parseArgs } from 'node:util';
import { loadUpConfig } from '../config/up-config.js';
import { runServer } from '../runtime/server-runtime.js';

export const upUsage = `Usage: figaro up [--host 127.0.0.1] [--port 8000] [--data-dir DIR]

Starts Figaro in one process. With no FIGARO_NATS_URL / FIGARO_DATABASE_URL it runs embedded
(in-process bus, PGlite in DIR, default ~/.local/share/figaro); each one set switches that part to
NATS or PostgreSQL. On first start it creates an admin password, an API token for the CLI and an
encryption key in DIR (files readable by you only) and prints where.`;

export const orchestratorUsage = `Usage: figaro orchestrator [--host 127.0.0.1] [--port 8000]

Runs an orchestrator alone, for a fleet: FIGARO_NATS_URL, FIGARO_DATABASE_URL and
FIGARO_ENCRYPTION_KEY are expected; FIGARO_ADMIN_PASSWORD / FIGARO_API_TOKEN create the first
credentials. Several orchestrators may share one PostgreSQL and NATS.`;

const serverFlags = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'data-dir': { type: 'string' },
} as const;

/** `figaro up`: the embedded composition root. Resolves once serving; exits on SIGINT/SIGTERM. */
export async function runUp(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({ args: argv, options: serverFlags, strict: true, allowPositionals: false });
  const config = loadUpConfig(env, { host: values.host, port: values.port, dataDir: values['data-dir'] });
  await runServer(config, 'embedded');
}

/** `figaro orchestrator`: one fleet replica with no embedded agents. */
export async function runOrchestrator(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({ args: argv, options: serverFlags, strict: true, allowPositionals: false });
  const config = loadUpConfig(
    env,
    { host: values.host, port: values.port, dataDir: values['data-dir'] },
    'orchestrator',
  );
  await runServer(config, 'orchestrator');
}
