import { mkdir } from 'node:fs/promises';
import { detectDesktopSupport } from '@figaro/desktop';
import { bootstrapCredentials, resolveEncryptionKey, startOrchestratorServer } from '@figaro/orchestrator';
import { SecretBox } from '@figaro/store';
import type { AgentConfig } from '../config/agent-config.js';
import { recordServerUrl } from '../config/data-dir.js';
import { ConfigError } from '../config/load.js';
import { describeBackends, type UpConfig } from '../config/up-config.js';
import { createLogger } from '../logger.js';
import { type StartedAgents, startAgents, type WorkerDesktop } from './agents.js';
import { openBus, openConfiguredStore } from './backends.js';
import { onShutdownSignal } from './shutdown.js';

/**
 * Starts an orchestrator server from configuration and keeps it running until SIGINT/SIGTERM.
 * `embedded` (figaro up) may keep generated secrets in the data folder; `orchestrator` (fleet) takes
 * them from the environment only.
 */
/** Agents to run inside an embedded server (`figaro up`). */
export interface EmbeddedAgents {
  config: AgentConfig;
  /** Desktops by URL, or by the id of a stored desktop (resolved here, with its sealed password). */
  desktops: Array<WorkerDesktop | { id: string }>;
  /** Local desktops to start; undefined: one when an X server is installed. */
  localWorkers: number | undefined;
}

export async function runServer(
  config: UpConfig,
  mode: 'embedded' | 'orchestrator',
  agents?: EmbeddedAgents,
): Promise<void> {
  const logger = createLogger(config.logLevel);
  const keepsFiles = mode === 'embedded';
  if (keepsFiles || config.store.kind === 'pglite')
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const key = await resolveEncryptionKey({
    ...(config.encryptionKey ? { configured: config.encryptionKey } : {}),
    ...(keepsFiles ? { dataDir: config.dataDir } : {}),
  });
  const store = await openConfiguredStore(config.store, logger, new SecretBox(key.key));
  const bus = await openBus(config.bus, logger).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const closeBackends = async () => {
    await bus.close();
    await store.close();
  };
  const report = await bootstrapCredentials(store, {
    ...(keepsFiles ? { dataDir: config.dataDir } : {}),
    ...(config.adminPassword ? { adminPassword: config.adminPassword } : {}),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    logger,
  }).catch(async (err: unknown) => {
    await closeBackends();
    throw err;
  });
  const server = await startOrchestratorServer({
    bus,
    store,
    logger,
    host: config.host,
    port: config.port,
    config: { heartbeatTimeoutMs: config.heartbeatTimeoutMs },
    desktopWorkers: config.desktopWorkers,
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
  }).catch(async (err: unknown) => {
    await closeBackends();
    if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
      throw new Error(`port ${config.port} on ${config.host} is already in use; choose another with --port`);
    }
    throw err;
  });

  let started: StartedAgents | undefined;
  if (agents) {
    const localWorkers = agents.localWorkers ?? ((await detectDesktopSupport()).server ? 1 : 0);
    const desktops: WorkerDesktop[] = [];
    for (const choice of agents.desktops) {
      if ('url' in choice) {
        desktops.push(choice);
        continue;
      }
      const stored = await store.desktops.credentials(choice.id);
      if (!stored?.vnc_url) {
        await server.stop();
        await closeBackends();
        throw new ConfigError([`--desktop: no stored desktop ${choice.id} with a VNC endpoint`]);
      }
      desktops.push({
        id: choice.id,
        url: stored.vnc_url,
        ...(stored.vnc_password ? { password: stored.vnc_password } : {}),
        ...(stored.ssh_url ? { ssh: true } : {}),
      });
    }
    started = await startAgents({
      bus,
      config: agents.config,
      logger,
      desktops,
      localWorkers,
      supervisorId: 'local-supervisor',
      registerDesktops: true,
    }).catch(async (err: unknown) => {
      await server.stop();
      await closeBackends();
      throw err;
    });
  }

  // Clients pointed at this data folder find the server through its recorded URL (issue 8, defect 10).
  let forgetUrl: (() => Promise<void>) | undefined;
  onShutdownSignal(
    async () => {
      await forgetUrl?.();
      await started?.stop();
      await server.stop();
      await closeBackends();
    },
    logger,
    started && started.ids.length > 0 ? 15_000 : 4_000,
  );

  const lines = [`Figaro is running at ${server.http.url} (${describeBackends(config)})`];
  if (key.generated && key.file)
    lines.push(`Generated an encryption key for stored secrets: ${key.file} (back it up with the data)`);
  if (report.adminPasswordFile)
    lines.push(`Admin password (user "admin") written to ${report.adminPasswordFile}`);
  if (report.tokenFile) lines.push(`API token for the CLI written to ${report.tokenFile}`);
  // The agents that started, what did not and what to set for it (issue 8, defect 2).
  if (started) lines.push(...started.notes);
  forgetUrl = await recordServerUrl(config.dataDir, server.http.url).catch((err: unknown) => {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not record the URL');
    return undefined;
  });
  process.stdout.write(`${lines.join('\n')}\n`);
  logger.info({ url: server.http.url, bus: bus.kind, store: store.kind, mode }, 'figaro server started');
}
