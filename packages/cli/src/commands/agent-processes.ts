import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { sanitizeAgentId } from '@figaro/protocol';
import { loadAgentConfig, missingEngine } from '../config/agent-config.js';
import { ConfigError } from '../config/load.js';
import { loadUpConfig } from '../config/up-config.js';
import { createLogger } from '../logger.js';
import { desktopFromUrl, startAgents } from '../runtime/agents.js';
import { openBus } from '../runtime/backends.js';
import { onShutdownSignal } from '../runtime/shutdown.js';

export const workerUsage = `Usage: figaro worker [--id ID] [--desktop vnc://host:port]

Runs one worker agent of a fleet (FIGARO_NATS_URL is required). It drives the desktop given with
--desktop from any machine that reaches it — nothing is installed on the desktop — or, without
--desktop, a local desktop it starts (the VNC password comes from FIGARO_VNC_PASSWORD). The id
defaults to this host's name.`;

export const supervisorUsage = `Usage: figaro supervisor [--id ID]

Runs the supervisor agent of a fleet (FIGARO_NATS_URL is required): it takes tasks from people, asks
them when something is unclear, and delegates desktop work to workers.`;

/** `figaro worker` / `figaro supervisor`: fleet agents on NATS. Resolves once running. */
export async function runAgentProcess(
  kind: 'worker' | 'supervisor',
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { id: { type: 'string' }, ...(kind === 'worker' ? { desktop: { type: 'string' } } : {}) },
    strict: true,
    allowPositionals: false,
  });
  const server = loadUpConfig(env, {});
  const agentConfig = loadAgentConfig(env);
  const problems: string[] = [];
  if (server.bus.kind !== 'nats')
    problems.push(`FIGARO_NATS_URL: required by figaro ${kind} (agents reach the orchestrator over NATS)`);
  const missing = missingEngine(agentConfig, kind);
  if (missing) problems.push(`no model engine configured: ${missing}`);
  const id = sanitizeAgentId(
    typeof values.id === 'string' ? values.id : kind === 'worker' ? hostname() : `${hostname()}-supervisor`,
  );
  const desktopUrl = typeof values.desktop === 'string' ? values.desktop : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  const desktop = desktopUrl ? desktopFromUrl(desktopUrl, id, env) : undefined;

  const logger = createLogger(server.logLevel);
  const bus = await openBus(server.bus, logger);
  const agents = await startAgents({
    bus,
    config:
      kind === 'worker'
        ? { ...agentConfig, supervisor: { ...agentConfig.supervisor, configured: false } }
        : agentConfig,
    logger,
    desktops: kind === 'worker' && desktop ? [desktop] : [],
    localWorkers: kind === 'worker' && !desktopUrl ? 1 : 0,
    ...(kind === 'supervisor' ? { supervisorId: id } : {}),
    // Agents may not create desktop entries (bus roles): the worker registers with its desktop's id.
    registerDesktops: false,
  }).catch(async (err: unknown) => {
    await bus.close();
    throw err;
  });
  onShutdownSignal(
    async () => {
      await agents.stop();
      await bus.close();
    },
    logger,
    15_000,
  );
  process.stdout.write(
    `${[...agents.notes, `Figaro ${kind} ${agents.ids.join(', ')} is running.`].join('\n')}\n`,
  );
}
