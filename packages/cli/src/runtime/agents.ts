import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  AgentRuntime,
  type CommandRunner,
  createClaudeCodeWorkerExecutor,
  createModelClient,
  createSupervisorExecutor,
  createWorkerExecutor,
  imageUploader,
  LocalCommandRunner,
  OrchestratorSshRunner,
  type TaskExecutor,
  type WorkerExecutorOptions,
} from '@figaro/agent';
import type { Bus } from '@figaro/bus';
import {
  DESKTOP_INSTALL_HINT,
  DesktopPool,
  detectDesktopSupport,
  type LocalDesktop,
  launchLocalDesktop,
  PooledVncDesktop,
} from '@figaro/desktop';
import { Api, type Logger } from '@figaro/protocol';
import { type AgentConfig, engineNeeds, missingEngine } from '../config/agent-config.js';
import { ConfigError } from '../config/load.js';

/** A desktop a worker drives: its id (also the worker's id), VNC URL and password. */
export interface WorkerDesktop {
  id: string;
  url: string;
  password?: string;
  /** A stored desktop with an ssh:// endpoint: its worker gets `shell` through `figaro.api.ssh`. */
  ssh?: boolean;
}

/** Agents started in this process, and what the user should be told about them. */
export interface StartedAgents {
  /** One line per agent started, then what did not start and what to set for it. */
  notes: string[];
  ids: string[];
  stop(): Promise<void>;
}

export interface StartAgentsOptions {
  bus: Bus;
  config: AgentConfig;
  logger: Logger;
  /** Existing desktops to drive (`--desktop URL`). */
  desktops: WorkerDesktop[];
  /** Local desktops to start, one per worker (`--workers N`). */
  localWorkers: number;
  /** Id of the supervisor to start; none when undefined or its engine is not configured. */
  supervisorId?: string;
  /** Register each desktop with the orchestrator (desktop-only entry upgraded by the worker). */
  registerDesktops: boolean;
}

const run = promisify(execFile);

/**
 * A `--desktop` URL (`vnc://host:port`, `ws(s)://…`, `?tls=1` as the desktop package reads it) with
 * its password from `FIGARO_VNC_PASSWORD`: a password inside the URL is refused, since argv is visible
 * to every user of the machine.
 */
export function desktopFromUrl(url: string, id: string, env: NodeJS.ProcessEnv): WorkerDesktop {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError([`--desktop: ${JSON.stringify(url)} is not a URL`]);
  }
  if (!['vnc:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new ConfigError([
      `--desktop: ${JSON.stringify(url)} must be a vnc://, ws:// or wss:// URL, or a stored desktop's id`,
    ]);
  }
  if (parsed.password) {
    throw new ConfigError([
      '--desktop: put no password in the URL (it shows in the process list); set FIGARO_VNC_PASSWORD',
    ]);
  }
  const password = env.FIGARO_VNC_PASSWORD;
  return { id, url, ...(password ? { password } : {}) };
}

/**
 * Starts the agents of one process: a worker per desktop (local desktops are launched first, as the
 * unprivileged user `figaro-desktop` when running as root and that user exists) and, if asked, a
 * supervisor. With no model engine configured it starts nothing and says why.
 */
export async function startAgents(options: StartAgentsOptions): Promise<StartedAgents> {
  const { bus, config, logger } = options;
  const notes: string[] = [];
  const runtimes: AgentRuntime[] = [];
  const locals: LocalDesktop[] = [];
  const pool = new DesktopPool({ logger: logger.child({ component: 'desktops' }) });
  // If the process exits without stop() (a second Ctrl-C, a crash), still end the desktops it started:
  // they run in process groups of their own, which a signal to this process does not reach.
  const killDesktops = () => {
    for (const local of locals) {
      for (const pid of local.pids) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  process.on('exit', killDesktops);
  const stop = async () => {
    process.off('exit', killDesktops);
    for (const runtime of runtimes.splice(0).reverse()) {
      await runtime.stop('interrupted by shutdown').catch(() => {});
    }
    await pool.close();
    for (const local of locals.splice(0)) await local.stop().catch(() => {});
  };
  const anyConfigured = config.worker.configured || config.supervisor.configured;
  if (!anyConfigured) {
    notes.push(...nothingConfigured(config));
    return { notes, ids: [], stop };
  }
  try {
    const desktops = [...options.desktops];
    const localIds = new Set<string>();
    const shells = new Map<string, CommandRunner>();
    if (config.worker.configured && options.localWorkers > 0) {
      const support = await detectDesktopSupport();
      if (support.server === null) {
        notes.push(
          `No local desktops: neither Xvnc nor Xvfb is installed. ${DESKTOP_INSTALL_HINT}`,
          ...(desktops.length === 0 ? [NO_WORKERS_QUEUE] : []),
        );
      } else {
        const runAs = await unprivilegedUser();
        const shellUser = config.env.FIGARO_ALLOW_LOCAL_SHELL ? localShellUser(runAs) : undefined;
        if (shellUser === null)
          notes.push(
            'FIGARO_ALLOW_LOCAL_SHELL is set, but Figaro runs as root and the user figaro-desktop does not exist (install.sh creates it): no local shell, as it would run as root.',
          );
        for (let i = 1; i <= options.localWorkers; i++) {
          const password = randomBytes(6).toString('base64url');
          const local = await launchLocalDesktop({
            password,
            apps: config.env.FIGARO_DESKTOP_APPS,
            ...(runAs ? { runAs } : {}),
            logger,
          });
          locals.push(local);
          desktops.push({ id: `local-${i}`, url: local.url, password });
          localIds.add(`local-${i}`);
          if (typeof shellUser === 'string')
            shells.set(`local-${i}`, localShell(local, shellUser === '' ? undefined : shellUser));
          notes.push(
            `Worker local-${i} drives its own desktop ${local.display} (${local.url})${typeof shellUser === 'string' ? `, with a local shell as ${shellUser || 'this user'}` : ''}.`,
          );
        }
      }
    }
    const workerGap = missingEngine(config, 'worker');
    if (workerGap) {
      notes.push(`No workers run here: ${workerGap}. ${NO_WORKERS_QUEUE}`);
    } else if (desktops.length === 0 && options.localWorkers === 0) {
      notes.push(`No workers run here: no --desktop was given and --workers is 0. ${NO_WORKERS_QUEUE}`);
    }
    if (config.worker.configured) {
      for (const desk of desktops) {
        if (options.registerDesktops) {
          await bus.request(Api.desktopWorkersRegister, {
            worker_id: desk.id,
            novnc_url: desk.url,
            ...(desk.password ? { vnc_password: desk.password } : {}),
          });
        }
        const target = { url: desk.url, ...(desk.password ? { password: desk.password } : {}) };
        const desktop = await new PooledVncDesktop(pool, target).connect();
        const shell = desk.ssh ? new OrchestratorSshRunner(bus, desk.id) : shells.get(desk.id);
        const runtime = new AgentRuntime({
          bus,
          id: desk.id,
          kind: 'worker',
          desktopId: desk.id,
          capabilities: ['computer'],
          metadata: {
            os: 'linux',
            engine: config.worker.engine.engine,
            model: config.worker.model,
            novnc_url: desk.url,
          },
          heartbeatMs: config.env.FIGARO_HEARTBEAT_INTERVAL * 1000,
          logger: logger.child({ agent: desk.id }),
          execute: workerExecutor(config, {
            bus,
            desktop,
            workerId: desk.id,
            uploadImage: imageUploader(bus),
            ...(shell ? { shell } : {}),
            settleMs: config.env.FIGARO_SETTLE_MS,
            askHumanTimeoutS: config.env.FIGARO_ASK_HUMAN_TIMEOUT,
            limits: limitsFrom(config),
            logger: logger.child({ agent: desk.id }),
          }),
        });
        await runtime.start();
        runtimes.push(runtime);
        if (!localIds.has(desk.id))
          notes.push(
            `Worker ${desk.id} drives the desktop at ${withoutCredentials(desk.url)}${desk.ssh ? ', with a shell over its SSH endpoint' : ''}.`,
          );
      }
    }
    if (
      options.supervisorId &&
      config.supervisor.configured &&
      config.supervisor.engine.engine === 'claude-code'
    ) {
      notes.push(
        'The claude-code engine drives workers only: no supervisor runs here (set FIGARO_SUPERVISOR_ENGINE=anthropic or openai).',
      );
    } else if (options.supervisorId && !config.supervisor.configured) {
      notes.push(
        `No supervisor runs here: ${missingEngine(config, 'supervisor')}. Tasks go to the workers (--target auto picks a worker when no supervisor is connected).`,
      );
    } else if (options.supervisorId && config.supervisor.configured) {
      const runtime = new AgentRuntime({
        bus,
        id: options.supervisorId,
        kind: 'supervisor',
        maxConcurrent: config.env.FIGARO_SUPERVISOR_MAX_SESSIONS,
        capabilities: ['delegate'],
        metadata: { engine: config.supervisor.engine.engine, model: config.supervisor.model },
        heartbeatMs: config.env.FIGARO_HEARTBEAT_INTERVAL * 1000,
        logger: logger.child({ agent: options.supervisorId }),
        execute: createSupervisorExecutor({
          model: createModelClient(config.supervisor.engine),
          modelName: config.supervisor.model,
          bus,
          supervisorId: options.supervisorId,
          uploadImage: imageUploader(bus),
          delegationInactivityTimeoutMs: config.env.FIGARO_SUPERVISOR_DELEGATION_INACTIVITY_TIMEOUT * 1000,
          askHumanTimeoutS: config.env.FIGARO_ASK_HUMAN_TIMEOUT,
          limits: limitsFrom(config),
          logger: logger.child({ agent: options.supervisorId }),
        }),
      });
      await runtime.start();
      runtimes.push(runtime);
      notes.push(
        `Supervisor ${options.supervisorId} takes tasks (--target auto) and delegates desktop work to the workers.`,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { notes, ids: runtimes.map((r) => r.id), stop };
}

const NO_WORKERS_QUEUE = 'Worker tasks (and delegations) will queue until a worker connects.';

/** What `figaro up` says when no role has a model engine: which variables to set, and that tasks queue. */
function nothingConfigured(config: AgentConfig): string[] {
  const engine = config.env.FIGARO_WORKER_ENGINE;
  const how =
    engine === config.env.FIGARO_SUPERVISOR_ENGINE
      ? `To run agents, set ${engineNeeds(engine)} (the engine of the workers and the supervisor is ${engine}; FIGARO_WORKER_ENGINE and FIGARO_SUPERVISOR_ENGINE choose anthropic, openai or claude-code)`
      : `To run agents: ${missingEngine(config, 'worker')}; ${missingEngine(config, 'supervisor')}`;
  return [
    'No agents run here: no model engine is configured, so tasks will queue (pending) until an agent connects.',
    `${how}. Then start figaro up again.`,
  ];
}

/** A desktop URL as it may be shown: no user name or password. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}

/**
 * The worker executor of the configured engine: `claude-code` runs Claude Code's own agent loop with
 * Figaro's tools over MCP; the other engines run Figaro's loop on a ModelClient.
 */
function workerExecutor(
  config: AgentConfig,
  common: Omit<WorkerExecutorOptions, 'model' | 'modelName'>,
): TaskExecutor {
  const engine = config.worker.engine;
  if (engine.engine === 'claude-code') {
    const { engine: _engine, ...auth } = engine;
    return createClaudeCodeWorkerExecutor({ ...common, ...auth, modelName: config.worker.model });
  }
  return createWorkerExecutor({
    ...common,
    model: createModelClient(engine),
    modelName: config.worker.model,
  });
}

function limitsFrom(config: AgentConfig) {
  return {
    ...(config.env.FIGARO_MAX_TURNS !== undefined ? { maxTurns: config.env.FIGARO_MAX_TURNS } : {}),
    ...(config.env.FIGARO_BUDGET_USD !== undefined ? { budgetUsd: config.env.FIGARO_BUDGET_USD } : {}),
    ...(config.env.FIGARO_MAX_DURATION !== undefined ? { maxDurationS: config.env.FIGARO_MAX_DURATION } : {}),
  };
}

/**
 * Who runs the local `shell` tool (ARCHITECTURE.md, "Agents' reach"): `figaro-desktop` when Figaro
 * runs as root and that user exists; '' (this process's own user) when not root; null when root and
 * the user is missing — then there is no local shell, as it would run as root.
 */
function localShellUser(runAs: { uid: number; gid: number } | undefined): string | null {
  if (process.getuid?.() !== 0) return '';
  return runAs ? 'figaro-desktop' : null;
}

/** A local shell in the desktop's own HOME with its DISPLAY, and nothing else of this process's environment. */
function localShell(local: LocalDesktop, runAs: string | undefined): CommandRunner {
  return new LocalCommandRunner({
    cwd: local.home,
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: local.home,
      DISPLAY: local.display,
      LANG: 'C.UTF-8',
      ...(runAs ? { USER: runAs, LOGNAME: runAs } : {}),
    },
    ...(runAs ? { runAs } : {}),
  });
}

/** The uid/gid of `figaro-desktop` when we are root and it exists (install.sh creates it). */
async function unprivilegedUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', 'figaro-desktop']),
      run('id', ['-g', 'figaro-desktop']),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}
