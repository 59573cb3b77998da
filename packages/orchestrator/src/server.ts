import type { Bus } from '@figaro/bus';
import { DesktopPool } from '@figaro/desktop';
import type { Clock, HealthReply, Logger } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import type { ApiHandlers } from './api/handlers.js';
import { StoreAuthService, tokenHandlers } from './auth/store-auth.js';
import { blobHandlers } from './blobs/blob-handlers.js';
import type { OrchestratorConfig } from './config.js';
import { DesktopOps, StoreHostKeyStore } from './desktops/desktop-ops.js';
import { DesktopService, type DesktopWorkersSeed } from './desktops/desktop-service.js';
import { HelpService } from './help/help-service.js';
import { createHttpApp } from './http/app.js';
import { connectHubToBus } from './http/hub-bus.js';
import { type RunningHttpServer, startHttpServer } from './http/server.js';
import { WsHub } from './http/ws-hub.js';
import { Orchestrator } from './orchestrator.js';

export interface OrchestratorServerOptions {
  bus: Bus;
  store: Store;
  logger: Logger;
  host: string;
  port: number;
  clock?: Clock;
  config?: Partial<OrchestratorConfig>;
  /** Desktop-only entries to store when their ids are not stored yet (`FIGARO_DESKTOP_WORKERS`). */
  desktopWorkers?: DesktopWorkersSeed;
  /** Origins besides the server's own that may open the dashboard WebSocket. */
  allowedOrigins?: string[];
}

/** A running orchestrator with its HTTP API, WebSocket hub and services. */
export interface OrchestratorServer {
  orchestrator: Orchestrator;
  http: RunningHttpServer;
  help: HelpService;
  desktops: DesktopService;
  /** Stops HTTP, the hub and the orchestrator; the bus and store stay open (the caller owns them). */
  stop(): Promise<void>;
}

/**
 * Assembles one orchestrator replica: the core, help requests, desktops and tokens on the bus, and
 * the same handlers over REST and the WebSocket hub behind session/token auth.
 */
export async function startOrchestratorServer(
  options: OrchestratorServerOptions,
): Promise<OrchestratorServer> {
  const { bus, store, logger } = options;
  const orchestrator = new Orchestrator({
    bus,
    store,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.config ? { config: options.config } : {}),
  });
  const afterCommit = () => void orchestrator.relay.kick();
  const help = new HelpService(orchestrator.deps, { afterCommit });
  const desktops = new DesktopService(orchestrator.deps, { afterCommit });
  orchestrator.registry.onAgentLost((repos, agentId) => help.onAgentLost(repos, agentId));
  orchestrator.sweeper.addStep(() => help.sweepDue());
  const pool = new DesktopPool({ logger: logger.child({ component: 'desktops' }) });
  const ops = new DesktopOps({ store, pool, hostKeys: new StoreHostKeyStore(store) });
  orchestrator.addHandlers({
    ...helpHandlers(help),
    ...desktopHandlers(desktops),
    ...tokenHandlers(store),
    ...blobHandlers(store, {
      clock: orchestrator.deps.clock,
      logger: logger.child({ component: 'blobs' }),
    }),
    vnc: (req) => ops.vnc(req),
    ssh: (req) => ops.ssh(req),
    telnet: (req) => ops.telnet(req),
  });
  if (options.desktopWorkers && options.desktopWorkers.length > 0)
    await desktops.seed(options.desktopWorkers);

  await orchestrator.start();
  await help.start();
  const auth = new StoreAuthService(store);
  const hub = new WsHub({
    handlers: orchestrator.handlers,
    auth,
    logger: logger.child({ component: 'ws' }),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  const hubFeed = await connectHubToBus(hub, bus, { logger });
  const health = async (): Promise<HealthReply> => ({ status: 'ok', bus: bus.kind, store: store.kind });
  const app = createHttpApp({
    health,
    logger: logger.child({ component: 'http' }),
    handlers: orchestrator.handlers,
    auth,
  });
  let http: RunningHttpServer;
  try {
    http = await startHttpServer(app, { host: options.host, port: options.port, hub });
  } catch (err) {
    await hubFeed.close();
    await help.stop();
    await orchestrator.stop();
    throw err;
  }
  return {
    orchestrator,
    http,
    help,
    desktops,
    async stop() {
      await http.close();
      await hubFeed.close();
      await help.stop();
      await orchestrator.stop();
      await pool.close();
    },
  };
}

function helpHandlers(help: HelpService): ApiHandlers {
  return {
    helpRequestsList: (req) => help.list(req),
    helpRequestsRespond: (req) => help.respond(req),
    helpRequestsDismiss: (req) => help.dismiss(req),
  };
}

function desktopHandlers(desktops: DesktopService): ApiHandlers {
  return {
    desktopWorkersRegister: (req) => desktops.register(req),
    desktopWorkersUpdate: (req) => desktops.update(req),
    desktopWorkersRemove: (req) => desktops.remove(req),
  };
}
