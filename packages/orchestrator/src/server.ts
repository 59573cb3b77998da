import type { Bus } from '@figaro/bus';
import { DesktopPool } from '@figaro/desktop';
import type { Clock, Logger } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { StoreAuthService } from './auth/store-auth.js';
import type { OrchestratorConfig } from './config.js';
import type { DesktopService, DesktopWorkersSeed } from './desktops/desktop-service.js';
import type { HelpService } from './help/help-service.js';
import { createHttpApp } from './http/app.js';
import { probeHealth, storeMetrics } from './http/health.js';
import { connectHubToBus } from './http/hub-bus.js';
import { type RunningHttpServer, startHttpServer } from './http/server.js';
import { WsHub } from './http/ws-hub.js';
import { Orchestrator } from './orchestrator.js';
import { serverModules } from './server-modules.js';

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
  /** Origins besides the server's own that may open the dashboard WebSocket and send cookie-authenticated writes. */
  allowedOrigins?: string[];
  /** Behind a reverse proxy: `X-Forwarded-Host` counts as the server's own host for Origin checks. */
  trustProxy?: boolean;
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
  const pool = new DesktopPool({ logger: logger.child({ component: 'desktops' }) });
  const features = serverModules({
    store,
    logger,
    pool,
    ...(options.desktopWorkers ? { desktopWorkers: options.desktopWorkers } : {}),
  });
  const orchestrator = new Orchestrator({
    bus,
    store,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.config ? { config: options.config } : {}),
    modules: features.modules,
  });
  const { help, desktops } = features.services();

  try {
    await orchestrator.start();
  } catch (err) {
    await orchestrator.stop().catch(() => {});
    await pool.close();
    throw err;
  }
  const auth = new StoreAuthService(store);
  const router = orchestrator.router;
  const hub = new WsHub({
    router,
    auth,
    logger: logger.child({ component: 'ws' }),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  const hubFeed = await connectHubToBus(hub, bus, { logger });
  const app = createHttpApp({
    health: () => probeHealth(bus, store),
    logger: logger.child({ component: 'http' }),
    router,
    auth,
    metrics: async () => ({ ...(await storeMetrics(store)), wsConnections: hub.connections }),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
  });
  let http: RunningHttpServer;
  try {
    http = await startHttpServer(app, { host: options.host, port: options.port, hub });
  } catch (err) {
    await hubFeed.close();
    await orchestrator.stop();
    await pool.close();
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
      await orchestrator.stop();
      await pool.close();
    },
  };
}
