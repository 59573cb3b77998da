import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createHttpApp, startHttpServer } from '@figaro/orchestrator';
import type { HealthReply } from '@figaro/protocol';
import { describeBackends, loadUpConfig } from '../config/up-config.js';
import { createLogger } from '../logger.js';
import { openBus, openConfiguredStore } from '../runtime/backends.js';
import { onShutdownSignal } from '../runtime/shutdown.js';

export const upUsage = `Usage: figaro up [--host 127.0.0.1] [--port 8000] [--data-dir DIR]

Starts Figaro in one process. With no FIGARO_NATS_URL / FIGARO_DATABASE_URL it runs embedded
(in-process bus, PGlite in DIR, default ~/.local/share/figaro); each one set switches that part to
NATS or PostgreSQL.`;

/** `figaro up`: the embedded composition root. Resolves once serving; exits on SIGINT/SIGTERM. */
export async function runUp(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      'data-dir': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const config = loadUpConfig(env, { host: values.host, port: values.port, dataDir: values['data-dir'] });
  const logger = createLogger(config.logLevel);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const store = await openConfiguredStore(config.store, logger);
  const bus = await openBus(config.bus, logger).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const health = async (): Promise<HealthReply> => ({ status: 'ok', bus: bus.kind, store: store.kind });
  const app = createHttpApp({ health, logger: logger.child({ component: 'http' }) });
  const server = await startHttpServer(app, { host: config.host, port: config.port }).catch(
    async (err: unknown) => {
      await bus.close();
      await store.close();
      if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
        throw new Error(
          `port ${config.port} on ${config.host} is already in use; choose another with --port`,
        );
      }
      throw err;
    },
  );

  onShutdownSignal(async () => {
    await server.close();
    await bus.close();
    await store.close();
  }, logger);

  process.stdout.write(`Figaro is running at ${server.url} (${describeBackends(config)})\n`);
  logger.info({ url: server.url, bus: bus.kind, store: store.kind, dataDir: config.dataDir }, 'figaro up');
}
