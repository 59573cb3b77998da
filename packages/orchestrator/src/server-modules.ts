import type { DesktopPool } from '@figaro/desktop';
import type { Logger } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { tokenHandlers } from './auth/store-auth.js';
import { blobHandlers } from './blobs/blob-handlers.js';
import { DesktopOps, StoreHostKeyStore } from './desktops/desktop-ops.js';
import { DesktopService, type DesktopWorkersSeed } from './desktops/desktop-service.js';
import { HelpService } from './help/help-service.js';
import type { ModuleFactory, OrchestratorModule } from './module.js';

/** Options of `serverModules`. */
export interface ServerModulesOptions {
  store: Store;
  logger: Logger;
  /** Opens and caches desktop connections for the `vnc`/`ssh`/`telnet` endpoints; the caller closes it. */
  pool: DesktopPool;
  /** Desktop-only entries stored at start when their ids are not stored yet (`FIGARO_DESKTOP_WORKERS`). */
  desktopWorkers?: DesktopWorkersSeed;
}

/** The server's feature modules, and the services built by them once the orchestrator is constructed. */
export interface ServerModules {
  modules: ModuleFactory[];
  /** The help and desktop services; only after `new Orchestrator({modules})` built them. */
  services(): { help: HelpService; desktops: DesktopService };
}

/**
 * The features a full server adds to the core: help requests (handlers, deadline sweep, cancelled with
 * a lost agent), desktop-only workers (handlers, seeded at start), and access to desktops, tokens and
 * blobs (handlers).
 */
export function serverModules(options: ServerModulesOptions): ServerModules {
  const { store, logger } = options;
  let help: HelpService | undefined;
  let desktops: DesktopService | undefined;
  const modules: ModuleFactory[] = [
    (context) => {
      help = new HelpService(context.deps, context);
      return helpModule(help);
    },
    (context) => {
      desktops = new DesktopService(context.deps, context);
      return desktopModule(desktops, options.desktopWorkers ?? []);
    },
    (context) => {
      const ops = new DesktopOps({ store, pool: options.pool, hostKeys: new StoreHostKeyStore(store) });
      return {
        name: 'access',
        handlers: {
          ...tokenHandlers(store),
          ...blobHandlers(store, { clock: context.deps.clock, logger: logger.child({ component: 'blobs' }) }),
          vnc: (req) => ops.vnc(req),
          ssh: (req) => ops.ssh(req),
          telnet: (req) => ops.telnet(req),
        },
      };
    },
  ];
  return {
    modules,
    services() {
      if (!help || !desktops) throw new Error('server modules are built by the orchestrator first');
      return { help, desktops };
    },
  };
}

/** Help requests as a module. */
export function helpModule(help: HelpService): OrchestratorModule {
  return {
    name: 'help',
    handlers: {
      helpRequest: (req) => help.ask(req),
      helpRequestsList: (req) => help.list(req),
      helpRequestsRespond: (req) => help.respond(req),
      helpRequestsDismiss: (req) => help.dismiss(req),
    },
    sweepSteps: [{ name: 'help request deadlines', run: () => help.sweepDue() }],
    onAgentLost: help.onAgentLost,
    start: () => help.start(),
    stop: () => help.stop(),
  };
}

/** Desktop-only workers as a module; `seed` is stored at start. */
export function desktopModule(desktops: DesktopService, seed: DesktopWorkersSeed): OrchestratorModule {
  return {
    name: 'desktops',
    handlers: {
      desktopWorkersRegister: (req) => desktops.register(req),
      desktopWorkersUpdate: (req) => desktops.update(req),
      desktopWorkersRemove: (req) => desktops.remove(req),
    },
    async start() {
      if (seed.length > 0) await desktops.seed(seed);
    },
  };
}
