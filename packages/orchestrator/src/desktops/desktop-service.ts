import {
  AgentId,
  type Api,
  Broadcasts,
  DesktopWorkerUpsert,
  FigaroError,
  Metadata,
  type ParsedRequestOf,
  parseWith,
} from '@figaro/protocol';
import type { AgentRecord, DesktopSeed, DesktopUpsert, StoreRepos } from '@figaro/store';
import { z } from 'zod';
import type { OrchestratorDeps } from '../deps.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { workersView } from '../registry/fleet-view.js';

/** One entry of `FIGARO_DESKTOP_WORKERS`: a desktop-only worker known from configuration. */
const DesktopWorkerSeedEntry = z.object({
  id: AgentId,
  /** The desktop's VNC endpoint (`vnc://`, `ws(s)://` …), as `desktop-workers.register` takes it. */
  novnc_url: DesktopWorkerUpsert.shape.novnc_url,
  vnc_username: z.string().max(256).optional(),
  vnc_password: z.string().max(4096).optional(),
  /** Free-form; a string `os` also sets the desktop's operating system (default `linux`). */
  metadata: Metadata.default({}),
});

/**
 * `FIGARO_DESKTOP_WORKERS` once its JSON text is parsed: a list of desktop-only workers with distinct
 * ids. The CLI's config module validates the environment with it; `DesktopService.seed` stores it.
 */
export const DesktopWorkersSeed = z.array(DesktopWorkerSeedEntry).superRefine((entries, ctx) => {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.id))
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate id ${entry.id}` });
    seen.add(entry.id);
  });
});
export type DesktopWorkersSeed = z.input<typeof DesktopWorkersSeed>;

/** `figaro.api.desktop-workers.register` request. */
export type RegisterDesktopRequest = ParsedRequestOf<typeof Api.desktopWorkersRegister>;
/** `figaro.api.desktop-workers.update` request (`novnc_url` optional; `new_worker_id` renames). */
export type UpdateDesktopRequest = ParsedRequestOf<typeof Api.desktopWorkersUpdate>;
/** `figaro.api.desktop-workers.remove` request. */
export type RemoveDesktopRequest = ParsedRequestOf<typeof Api.desktopWorkersRemove>;

/**
 * Desktop-only workers: desktops stored from `FIGARO_DESKTOP_WORKERS` and the `desktop-workers.*` API.
 * Endpoints and credentials live in the desktops repository, which seals passwords, masks them as
 * `"***"` and applies the binding rule (moving an endpoint drops its credentials unless new ones come
 * with it). Every change broadcasts the workers list from the same transaction.
 */
export class DesktopService {
  readonly #deps: OrchestratorDeps;
  readonly #afterCommit: () => void;

  /** `afterCommit` is called after each commit that wrote to the outbox (kicks the relay). */
  constructor(deps: OrchestratorDeps, hooks: { afterCommit: () => void }) {
    this.#deps = deps;
    this.#afterCommit = hooks.afterCommit;
  }

  /**
   * Stores the configured desktops whose ids are not stored yet; a stored desktop (perhaps edited
   * through the API since) is left as it is. Returns the ids inserted. An invalid list is an
   * `InvalidRequestError` naming the entry, and nothing is stored.
   */
  async seed(entries: DesktopWorkersSeed): Promise<string[]> {
    const parsed = parseWith(DesktopWorkersSeed, entries, 'FIGARO_DESKTOP_WORKERS');
    const seeded = await this.#deps.store.tx(async (repos) => {
      const ids = await repos.desktops.seedIfMissing(parsed.map(toSeed));
      if (ids.length > 0) await addToOutbox(repos, Broadcasts.workers, await workersView(repos));
      return ids;
    });
    if (seeded.length > 0) {
      this.#deps.logger.info({ desktop_ids: seeded }, 'desktops seeded from configuration');
      this.#afterCommit();
    }
    return seeded;
  }

  /**
   * `figaro.api.desktop-workers.register`: adds a desktop-only worker, or updates the stored desktop
   * of that id (`vnc_password: "***"` keeps the stored password). Renaming is `update`'s job:
   * `new_worker_id` here is `invalid_request`.
   */
  async register(req: RegisterDesktopRequest): Promise<{ status: 'ok' }> {
    if (req.new_worker_id !== undefined && req.new_worker_id !== req.worker_id) {
      throw new FigaroError('invalid_request', 'new_worker_id: rename a desktop with desktop-workers.update');
    }
    const result = await this.#deps.store.tx(async (repos) => {
      const upserted = await repos.desktops.upsert(toUpsert(req.worker_id, req));
      await addToOutbox(repos, Broadcasts.workers, await workersView(repos));
      return upserted;
    });
    this.#deps.logger.info(
      { desktop_id: req.worker_id, created: result.created, cleared: result.cleared },
      result.created ? 'desktop registered' : 'desktop updated',
    );
    this.#afterCommit();
    return { status: 'ok' };
  }

  /**
   * `figaro.api.desktop-workers.update`: changes a stored desktop; absent fields (and an empty
   * `metadata`) keep what is stored. `new_worker_id` renames it, keeping its credentials. An unknown
   * id is `not_found`; renaming onto an id in use, or while an agent is connected to the desktop, is
   * `conflict`.
   */
  async update(req: UpdateDesktopRequest): Promise<{ status: 'ok' }> {
    const oldId = req.worker_id;
    const newId = req.new_worker_id ?? oldId;
    const result = await this.#deps.store.tx(async (repos) => {
      if (!(await repos.desktops.get(oldId)))
        throw new FigaroError('not_found', `desktop ${oldId} not found`);
      if (newId !== oldId) await this.#rename(repos, oldId, newId);
      const upserted = await repos.desktops.upsert(toUpsert(newId, req));
      await addToOutbox(repos, Broadcasts.workers, await workersView(repos));
      return upserted;
    });
    this.#deps.logger.info(
      { desktop_id: newId, ...(newId !== oldId ? { renamed_from: oldId } : {}), cleared: result.cleared },
      'desktop updated',
    );
    this.#afterCommit();
    return { status: 'ok' };
  }

  /**
   * `figaro.api.desktop-workers.remove`: deletes a desktop and its credentials. `conflict` while an
   * agent is connected to it (under its id, or bound to it); `not_found` when it is not stored.
   */
  async remove(req: RemoveDesktopRequest): Promise<{ status: 'ok' }> {
    const id = req.worker_id;
    await this.#deps.store.tx(async (repos) => {
      const agents = await agentsOn(repos, id);
      refuseWhileConnected(agents, id, 'removed');
      if (!(await repos.desktops.remove(id))) throw new FigaroError('not_found', `desktop ${id} not found`);
      await forgetDisconnectedAgent(repos, agents, id, 'desktop removed');
      await addToOutbox(repos, Broadcasts.workers, await workersView(repos));
    });
    this.#deps.logger.info({ desktop_id: id }, 'desktop removed');
    this.#afterCommit();
    return { status: 'ok' };
  }

  /** Inside the update's transaction: moves the desktop to `newId` after checking nobody uses either id. */
  async #rename(repos: StoreRepos, oldId: string, newId: string): Promise<void> {
    const agents = await agentsOn(repos, oldId);
    refuseWhileConnected(agents, oldId, 'renamed');
    if ((await repos.desktops.get(newId)) || (await repos.agents.get(newId))) {
      throw new FigaroError('conflict', `cannot rename desktop ${oldId}: ${newId} already exists`);
    }
    await repos.desktops.rename(oldId, newId);
    await forgetDisconnectedAgent(repos, agents, oldId, 'desktop renamed');
  }
}

/** Agents registered under the desktop's id or bound to it, locked against a concurrent registration. */
function agentsOn(repos: StoreRepos, desktopId: string): Promise<AgentRecord[]> {
  return repos.agents.lockOnDesktop(desktopId);
}

function refuseWhileConnected(agents: readonly AgentRecord[], desktopId: string, what: string): void {
  const connected = agents.find((agent) => agent.connected);
  if (connected) {
    throw new FigaroError(
      'conflict',
      `desktop ${desktopId} cannot be ${what} while agent ${connected.id} is connected to it`,
    );
  }
}

/**
 * A disconnected agent under the desktop's id is what a lost worker left to show the desktop; without
 * the desktop it would linger in the workers list as an offline worker with no endpoint.
 */
async function forgetDisconnectedAgent(
  repos: StoreRepos,
  agents: readonly AgentRecord[],
  desktopId: string,
  reason: string,
): Promise<void> {
  if (agents.some((agent) => agent.id === desktopId && !agent.connected)) {
    await repos.agents.remove(desktopId, reason);
  }
}

/** The desktop's operating system when `metadata.os` names one. */
function osOf(metadata: Record<string, unknown>): string | undefined {
  return typeof metadata.os === 'string' && metadata.os !== '' ? metadata.os : undefined;
}

function toSeed(entry: z.output<typeof DesktopWorkerSeedEntry>): DesktopSeed {
  const os = osOf(entry.metadata);
  return {
    id: entry.id,
    vnc_url: entry.novnc_url,
    metadata: entry.metadata,
    ...(os ? { os } : {}),
    ...(entry.vnc_username !== undefined ? { vnc_username: entry.vnc_username } : {}),
    ...(entry.vnc_password !== undefined ? { vnc_password: entry.vnc_password } : {}),
  };
}

/**
 * An API request in the repository's terms: absent fields keep what is stored, `null` clears, and the
 * repository itself keeps a password given as `"***"`. The protocol defaults `metadata` to `{}`, so an
 * empty object cannot mean "clear" and keeps the stored metadata too.
 */
function toUpsert(id: string, req: UpdateDesktopRequest): DesktopUpsert {
  const os = osOf(req.metadata);
  const hasMetadata = Object.keys(req.metadata).length > 0;
  return {
    id,
    source: 'api',
    ...(req.novnc_url !== undefined ? { vnc_url: req.novnc_url } : {}),
    ...(req.ssh_url !== undefined ? { ssh_url: req.ssh_url } : {}),
    ...(req.telnet_url !== undefined ? { telnet_url: req.telnet_url } : {}),
    ...(req.rdp_url !== undefined ? { rdp_url: req.rdp_url } : {}),
    ...(req.vnc_username !== undefined ? { vnc_username: req.vnc_username } : {}),
    ...(req.vnc_password !== undefined ? { vnc_password: req.vnc_password } : {}),
    ...(hasMetadata ? { metadata: req.metadata } : {}),
    ...(os ? { os } : {}),
  };
}
