import { parseArgs } from 'node:util';
import { AgentId } from '@figaro/protocol';
import { loadAgentConfig } from '../config/agent-config.js';
import { ConfigError } from '../config/load.js';
import { loadUpConfig } from '../config/up-config.js';
import { desktopFromUrl } from '../runtime/agents.js';
import { runServer } from '../runtime/server-runtime.js';

export const upUsage = `Usage: figaro up [--host 127.0.0.1] [--port 8000] [--data-dir DIR] [--workers N] [--desktop URL]...

Starts Figaro in one process. With no FIGARO_NATS_URL / FIGARO_DATABASE_URL it runs embedded
(in-process bus, PGlite in DIR, default ~/.local/share/figaro); each one set switches that part to
NATS or PostgreSQL. On first start it creates an admin password, an API token for the CLI and an
encryption key in DIR (files readable by you only) and prints where.

With a model engine configured (FIGARO_ANTHROPIC_API_KEY; or FIGARO_WORKER_ENGINE and
FIGARO_SUPERVISOR_ENGINE=openai with FIGARO_OPENAI_BASE_URL or FIGARO_OPENAI_API_KEY, or claude-code
with FIGARO_CLAUDE_CODE_OAUTH_TOKEN) it also runs a supervisor and workers, and prints which started
(without one, tasks queue until an agent connects): --workers N local desktops that Figaro starts
(default 1 when Xvnc or Xvfb is installed), plus one worker per --desktop vnc://host:port (its
password from FIGARO_VNC_PASSWORD, never in the URL) or per --desktop ID of a stored desktop.`;

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
  const { values } = parseArgs({
    args: argv,
    options: { ...serverFlags, workers: { type: 'string' }, desktop: { type: 'string', multiple: true } },
    strict: true,
    allowPositionals: false,
  });
  const config = loadUpConfig(env, { host: values.host, port: values.port, dataDir: values['data-dir'] });
  const agentConfig = loadAgentConfig(env);
  let localWorkers: number | undefined;
  if (values.workers !== undefined) {
    localWorkers = Number(values.workers);
    if (!Number.isInteger(localWorkers) || localWorkers < 0 || localWorkers > 32) {
      throw new ConfigError(['--workers: must be an integer from 0 to 32']);
    }
  }
  // A URL, or the id of a stored desktop whose endpoint and sealed password the server resolves.
  const desktops = (values.desktop ?? []).map((arg, i) =>
    /^[a-z][a-z0-9+.-]*:\/\//.test(arg)
      ? desktopFromUrl(arg, `desktop-${i + 1}`, env)
      : { id: agentIdOrThrow(arg) },
  );
  await runServer(config, 'embedded', { config: agentConfig, desktops, localWorkers });
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

function agentIdOrThrow(text: string): string {
  if (!AgentId.safeParse(text).success) {
    throw new ConfigError([`--desktop: ${JSON.stringify(text)} is neither a URL nor a desktop id`]);
  }
  return text;
}
